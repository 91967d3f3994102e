import { describe, expect, it } from 'vitest';
import { decide, observableValue, type Decision, type DecideOptions } from '../../../src/bridge/message';
import { readMessage } from '../../helpers/fixtures';

const opts: DecideOptions = {
  scope: ['IPv4-Addr', 'Domain-Name', 'StixFile'],
  maxTlp: 'TLP:AMBER+STRICT',
  now: () => new Date('2026-08-20T12:00:00Z'),
};

function started(d: Decision) {
  if (d.kind !== 'start') throw new Error(`expected a start, got ${d.kind}: ${'reason' in d ? d.reason : ''}`);
  return d;
}

describe('decide (listen-queue message -> what the bridge does)', () => {
  it('turns a manual IPv4 request into a workflow start keyed by its work id', () => {
    const body = readMessage('manual-ipv4.json');
    const d = started(decide(body, opts));
    const msg = JSON.parse(body.toString());
    expect(d.workflowId).toBe(`enrich/${msg.internal.work_id}`);
    expect(d.request).toMatchObject({
      trigger: 'manual',
      workId: msg.internal.work_id,
      entityId: msg.event.entity_id,
      entityType: 'IPv4-Addr',
      value: '198.51.100.23',
      playbook: null,
      receivedAt: '2026-08-20T12:00:00.000Z',
    });
    expect(d.request.stixEntity).toEqual(JSON.parse(msg.event.stix_entity));
  });

  it('marks auto requests as auto', () => {
    expect(started(decide(readMessage('auto-domain.json'), opts)).request.trigger).toBe('auto');
  });

  it('queries ET with the lower-case MD5 of a StixFile (scope by entity_type, not the STIX type "file")', () => {
    const d = started(decide(readMessage('manual-file-md5.json'), opts));
    expect(d.request).toMatchObject({ entityType: 'StixFile', value: '08d9f42e95558080483d28154e573c8f' });
  });

  it('queries ET with the punycode form of a Unicode domain and keeps the entity id', () => {
    const unicode = started(decide(readMessage('manual-domain-idn-unicode.json'), opts));
    const puny = started(decide(readMessage('manual-domain-idn-punycode.json'), opts));
    expect(unicode.request.value).toBe('xn--bckerei-mller-bfb28a.example');
    expect(puny.request.value).toBe('xn--bckerei-mller-bfb28a.example');
    expect(unicode.request.entityId).not.toBe(puny.request.entityId);
  });

  it('gives a playbook request its playbook context, the raw bundle and a workflow id from execution and step', () => {
    const body = readMessage('playbook-ipv4.json');
    const msg = JSON.parse(body.toString());
    const d = started(decide(body, opts));
    expect(d.request.trigger).toBe('playbook');
    expect(d.request.workId).toBeNull();
    expect(d.request.playbook?.stepId).toBe(msg.internal.playbook.step_id);
    expect(JSON.stringify(d.request.playbook?.bundle)).toBe(JSON.stringify(msg.event.bundle));
    expect(d.workflowId).toBe(`enrich/playbook/${msg.internal.playbook.execution_id}/${msg.internal.playbook.step_id}`);
  });

  it('derives the same workflow id from a redelivered message', () => {
    const body = readMessage('manual-ipv4.json');
    expect(started(decide(body, opts)).workflowId).toBe(started(decide(Buffer.from(body), opts)).workflowId);
  });

  it('refuses an entity above the maximum TLP, naming both levels', () => {
    const d = decide(readMessage('manual-ipv4-tlp-red.json'), opts);
    expect(d.kind).toBe('refuse');
    expect(d.kind === 'refuse' && d.reason).toMatch(/TLP:RED.*TLP:AMBER\+STRICT/);
    expect(d.kind === 'refuse' && d.workId).toMatch(/^work_/);
  });

  it('refuses a GREEN entity when the maximum is CLEAR', () => {
    expect(decide(readMessage('manual-ipv4.json'), { ...opts, maxTlp: 'TLP:CLEAR' }).kind).toBe('refuse');
  });

  it('refuses an out-of-scope type', () => {
    const d = decide(readMessage('manual-ipv6-out-of-scope.json'), opts);
    expect(d.kind === 'refuse' && d.reason).toMatch(/IPv6-Addr is not in this connector's scope/);
  });

  it('refuses an IPv4 entity holding a CIDR range', () => {
    const msg = JSON.parse(readMessage('manual-ipv4.json').toString());
    const entity = JSON.parse(msg.event.stix_entity);
    entity.value = '198.51.100.0/24';
    msg.event.stix_entity = JSON.stringify(entity);
    const d = decide(Buffer.from(JSON.stringify(msg)), opts);
    expect(d.kind === 'refuse' && d.reason).toMatch(/not a single IPv4 address/);
  });

  it.each([
    ['malformed-not-json.txt', /not JSON/, true],
    ['malformed-missing-entity-id.json', /entity_id/, true],
    ['malformed-stix-entity-unparseable.json', /stix_entity is not valid JSON/, true],
    ['malformed-wrong-types.json', /entity_id/, true],
  ])('reports %s as invalid with a reason', (name, reason, hasWork) => {
    const d = decide(readMessage(name), opts);
    expect(d.kind).toBe('invalid');
    expect(d.kind === 'invalid' && d.reason).toMatch(reason);
    expect(d.kind === 'invalid' && d.workId !== null).toBe(hasWork);
  });

  it('bounds hostile input: a huge entity id is invalid, not stored', () => {
    const msg = JSON.parse(readMessage('manual-ipv4.json').toString());
    msg.event.entity_id = 'x'.repeat(100_000);
    expect(decide(Buffer.from(JSON.stringify(msg)), opts).kind).toBe('invalid');
  });
});

describe('observableValue: what ET is asked about a Domain-Name', () => {
  const ask = (value: string) => observableValue('Domain-Name', { type: 'domain-name', spec_version: '2.1', id: 'domain-name--x', value });

  it.each(['198.51.100.7', '127.1', '0x7f.0.0.1', '2001:db8::1'])('refuses %s: an IP address is not a domain name', (value) => {
    expect(ask(value)).toEqual({ error: expect.stringContaining('is an IP address, not a domain name (enrich an IPv4 address as an IPv4-Addr observable)') });
  });

  it.each(['x.example/evil', 'a?b.example', 'user@x.example', 'x.example:8080', 'a b.example', 'ex..example', 'localhost', 'x'.repeat(64) + '.example'])(
    'refuses %s instead of asking ET about a part of it',
    (value) => {
      expect(ask(value)).toEqual({ error: expect.stringContaining('is not a domain name ET can look up') });
    },
  );

  it.each([
    ['EXAMPLE.COM.', 'example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['_dmarc.example.org', '_dmarc.example.org'],
  ])('asks about %s as %s', (value, expected) => {
    expect(ask(value)).toEqual({ value: expected });
  });
});
