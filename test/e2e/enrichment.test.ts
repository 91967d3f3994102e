/**
 * The main job end to end: the fake platform puts the fixture messages on the real broker, the
 * bridge starts real workflows on the real Temporal server, the worker calls the fake ET API, and
 * we assert on what the fake platform received and on the work's final state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StixObject } from '../../src/shared/types';
import { assertMatchesExpected } from '../helpers/expected-matcher';
import { ET_API_KEY, readExpected, readMessage } from '../helpers/fixtures';
import { freshRequest, OPENCTI_TOKEN, startHarness, type Harness } from '../helpers/harness';
import { validateStixObject } from '../helpers/stix-schema';

interface Expected {
  expected_requests: string[];
  inputs: { message: string };
}

function entityOf(messageName: string): { entityId: string; stixEntity: StixObject } {
  const msg = JSON.parse(readMessage(messageName).toString('utf8'));
  return { entityId: msg.event.entity_id, stixEntity: JSON.parse(msg.event.stix_entity) };
}

describe('enrichment through the real broker and the real Temporal server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it.each([
    ['manual-ipv4.json', 'ip-rich.json'],
    ['auto-domain.json', 'domain-rich.json'],
    ['manual-file-md5.json', 'file-md5.json'],
  ])('%s gives the objects of expected/%s and closes the work as processed', async (messageName, expectedName) => {
    const expected = readExpected<Expected>(expectedName);
    const before = h.et.requests.length;
    const { workId } = await h.publishFixture(messageName);
    const work = await h.waitClosed(workId!);

    expect(work.inError).toBe(false);
    expect(work.errors).toEqual([]);
    expect(work.messages.at(-1)?.message).toMatch(/^ProofPoint ET Intelligence: .* added /);

    const received = h.opencti.bundleFor(workId!);
    assertMatchesExpected(received, expected, entityOf(messageName));
    for (const obj of received) expect(validateStixObject(obj), `${obj.id} against the OASIS schema`).toEqual([]);

    // Exactly the expected ET requests, each once, nothing else.
    const requests = h.et.requests.slice(before).map((r) => `${r.method} ${r.target}`);
    expect(requests.sort()).toEqual([...expected.expected_requests].sort());
    expect(h.et.unexpected).toEqual([]);

    // The platform saw expectations before parts, and every part was imported.
    expect(h.opencti.expectationsAddedBeforeParts(workId!)).toBe(true);
    expect(work.completed_number).toBe(h.opencti.partsFor(workId!).length);
  });

  it('a playbook request is answered through playbookStepExecution with the enrichment merged in', async () => {
    const expected = readExpected<Expected>('ip-rich.json');
    const { body } = await h.publishFixture('playbook-ipv4.json');
    const msg = JSON.parse(body.toString('utf8'));
    const execution = await h.opencti.waitFor(() => h.opencti.playbookExecutions.find((e) => e.args.execution_id === msg.internal.playbook.execution_id));
    expect(execution.result).toBe(true);
    const bundle = JSON.parse(execution.args.bundle) as { objects: { id: string; type: string }[] };
    const entity = msg.event.bundle.objects.find((o: { id: string }) => o.id === msg.event.entity_id);
    assertMatchesExpected(bundle.objects, expected, { entityId: msg.event.entity_id, stixEntity: entity });
    expect(execution.args.previous_bundle).toBe(JSON.stringify(msg.event.bundle));
    // No work calls and no push for a playbook step.
    expect(h.opencti.pushMessages.filter((p) => p.workId === null)).toEqual([]);
  });

  it('an observable ET knows nothing about closes its work with "no data" and pushes nothing', async () => {
    const { workId } = await h.publishFixture('manual-ipv4-unknown.json');
    const work = await h.waitClosed(workId!);
    expect(work.inError).toBe(false);
    expect(work.messages.at(-1)?.message).toContain('ET has no data on it');
    expect(h.opencti.partsFor(workId!)).toEqual([]);
  });

  it('a refused API key closes the work in error, says what to fix, and is not retried', async () => {
    const before = h.et.requests.length;
    const { workId } = await h.publishFixture('manual-ipv4-auth-failed.json');
    const work = await h.waitClosed(workId!);
    expect(work.inError).toBe(true);
    expect(work.errors.at(-1)?.message).toMatch(/every ET call failed.*EtAuthError.*PROOFPOINT_ET_API_KEY/);
    expect(h.et.requests.length - before).toBe(5); // one request per endpoint, no retry
    expect(h.opencti.partsFor(workId!)).toEqual([]);
  });

  it('a TLP:RED entity and an out-of-scope IPv6 are refused without any ET call or workflow', async () => {
    const before = h.et.requests.length;
    const red = await h.publishFixture('manual-ipv4-tlp-red.json');
    const ipv6 = await h.publishFixture('manual-ipv6-out-of-scope.json');
    const redWork = await h.waitClosed(red.workId!);
    const ipv6Work = await h.waitClosed(ipv6.workId!);
    expect(redWork.inError).toBe(true);
    expect(redWork.errors.at(-1)?.message).toMatch(/TLP:RED.*above.*TLP:AMBER\+STRICT/);
    expect(ipv6Work.inError).toBe(true);
    expect(ipv6Work.errors.at(-1)?.message).toMatch(/IPv6-Addr is not in this connector's scope/);
    expect(h.et.requests.length).toBe(before);
    expect(await h.workflowsForWork(red.workId!)).toEqual([]);
    expect(await h.workflowsForWork(ipv6.workId!)).toEqual([]);
  });

  it('enriching the same observable twice produces the same ids', async () => {
    const first = await h.publishFixture('manual-ipv4.json');
    await h.waitClosed(first.workId!);
    const second = await h.publishFixture('manual-ipv4.json');
    await h.waitClosed(second.workId!);
    const ids = (workId: string) => h.opencti.bundleFor(workId).map((o) => o.id).sort();
    expect(ids(second.workId!)).toEqual(ids(first.workId!));
    expect(ids(first.workId!).length).toBeGreaterThan(10);
  });

  it.each(['manual-domain-idn-unicode.json', 'manual-domain-idn-punycode.json'])(
    '%s queries ET with the ASCII (punycode) name only and keeps the entity id',
    async (messageName) => {
      const before = h.et.requests.length;
      const { workId, body } = await h.publishFixture(messageName);
      const work = await h.waitClosed(workId!);
      expect(work.inError).toBe(false);
      const paths = h.et.requests.slice(before).map((r) => r.path).sort();
      expect(paths).toEqual(['domains/xn--bckerei-mller-bfb28a.example/ips', 'domains/xn--bckerei-mller-bfb28a.example/reputation', 'domains/xn--bckerei-mller-bfb28a.example/samples']);
      expect(h.et.unexpected).toEqual([]);
      const entityId = JSON.parse(body.toString('utf8')).event.entity_id;
      const objects = h.opencti.bundleFor(workId!);
      expect(objects.filter((o) => o.type === 'domain-name' && o.id === entityId)).toHaveLength(objects.some((o) => o.id === entityId) ? 1 : 0);
      for (const o of objects.filter((x) => x.type === 'relationship')) expect([o.source_ref, o.target_ref]).toContain(entityId);
    },
  );

  it.each([
    ['an IPv4-Addr holding a CIDR range', (e: Record<string, unknown>) => (e.value = '198.51.100.0/24'), /not a single IPv4 address/],
    ['a Url', (e: Record<string, unknown>, m: Record<string, any>) => ((m.event.entity_type = 'Url'), (e.type = 'url'), (e.value = 'http://payload-cdn.example.net/a')), /Url is not in this connector's scope/],
    ['a StixFile without MD5', (e: Record<string, unknown>, m: Record<string, any>) => ((m.event.entity_type = 'StixFile'), (e.type = 'file'), delete e.value, (e.hashes = { 'SHA-256': 'a'.repeat(64) })), /knows samples by MD5 only/],
  ])('%s is refused with a clear work message and no ET call', async (_what, edit, reason) => {
    const msg = JSON.parse(readMessage('manual-ipv4.json').toString('utf8'));
    const entity = JSON.parse(msg.event.stix_entity);
    edit(entity, msg);
    msg.event.stix_entity = JSON.stringify(entity);
    const { workId, body } = freshRequest(Buffer.from(JSON.stringify(msg)), h.config.connectorId);
    const before = h.et.requests.length;
    await h.publishRaw(body);
    const work = await h.waitClosed(workId!);
    expect(work.inError).toBe(true);
    expect(work.errors.at(-1)?.message).toMatch(reason);
    expect(h.et.requests.length).toBe(before);
  });

  it('leaves every request of this suite with exactly one work, closed, with a message a person can act on', () => {
    const works = [...h.opencti.works.values()].map((w) => h.opencti.work(w.document.id)!);
    expect(works.length).toBe(14); // every request above but the playbook one, which has no work
    for (const w of works) {
      expect(w.status, w.id).toBe('complete');
      expect(w.processed_time, w.id).not.toBeNull();
      const last = (w.inError ? w.errors : w.messages).at(-1)?.message ?? '';
      expect(last, w.id).toMatch(/^ProofPoint ET Intelligence/);
    }
  });

  it('never writes the ET key or the OpenCTI token into workflow histories or logs', async () => {
    let histories = '';
    let count = 0;
    for await (const wf of h.client.workflow.list({ query: `TaskQueue = '${h.config.temporalTaskQueue}'` })) {
      const history = await h.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      histories += JSON.stringify(history);
      count += 1;
    }
    expect(count).toBeGreaterThanOrEqual(6);
    // Payloads are base64 in the history: search the decoded text too.
    const decoded = histories.replace(/"data":"([A-Za-z0-9+/=]+)"/g, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
    for (const secret of [ET_API_KEY, OPENCTI_TOKEN]) {
      expect(decoded).not.toContain(secret);
      expect(histories).not.toContain(secret);
      expect(h.logs.join('\n')).not.toContain(secret);
    }
    // The check can see payloads at all: the enriched values are there.
    expect(decoded).toContain('198.51.100.23');
  });
});

