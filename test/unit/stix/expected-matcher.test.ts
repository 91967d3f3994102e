import { describe, expect, it } from 'vitest';
import type { StixObject } from '../../../src/shared/types';
import { SCO_EXTENSION_ID } from '../../../src/stix/converter';
import { locationId, observableId } from '../../../src/stix/ids';
import { assertMatchesExpected, matchExpected } from '../../helpers/expected-matcher';
import { convertScenario, type Scenario } from './fixture-scenarios';

/** A scenario's converter output plus a function checking a (modified) copy of it. */
function setup(name: Scenario['name']) {
  const { scenario: s, objects } = convertScenario(name);
  const message = { entityId: s.entityId, stixEntity: s.stixEntity };
  const check = (edit: (objects: StixObject[]) => StixObject[] | void): string[] => {
    const copy = structuredClone(objects);
    return matchExpected(edit(copy) ?? copy, s.expected, message);
  };
  return { s, objects, message, check };
}
const find = (objects: StixObject[], predicate: (o: StixObject) => boolean): StixObject => {
  const o = objects.find(predicate);
  if (!o) throw new Error('test setup: object not found');
  return o;
};
const entityOf = (objects: StixObject[], s: Scenario) => find(objects, (o) => o.id === s.entityId);
const scoOf = (o: StixObject) =>
  (o.extensions as Record<string, Record<string, unknown>>)[SCO_EXTENSION_ID] as Record<string, unknown>;

describe('assertMatchesExpected', () => {
  it('passes on a conforming result and throws a listing of every difference otherwise', () => {
    const { s, objects, message } = setup('ip-rich');
    expect(() => assertMatchesExpected(objects, s.expected, message)).not.toThrow();
    const broken = objects.filter((o) => o.type !== 'autonomous-system');
    expect(() => assertMatchesExpected(broken, s.expected, message)).toThrow(
      /difference\(s\) from expectation 'ip-rich'[\s\S]*missing autonomous-system \{"number":64502\}[\s\S]*received \d+ object\(s\)/,
    );
  });

  it('reports a missing object, and a relationship whose endpoint is missing', () => {
    const { check } = setup('ip-rich');
    const problems = check((objects) => objects.filter((o) => o.value !== 'update.example.net'));
    expect(problems).toContain('missing domain-name {"value":"update.example.net"}');
    expect(
      problems.some((p) => p.includes('its source domain-name {"value":"update.example.net"} is not in the result')),
    ).toBe(true);
  });

  it('resolves relationship endpoints to the enriched entity even when it is not re-sent', () => {
    const { s, check } = setup('ip-rich');
    const problems = check((objects) => objects.filter((o) => o.id !== s.entityId));
    expect(problems).toEqual([
      'missing entity ipv4-addr {"value":"198.51.100.23"}',
      'object_counts.ipv4-addr: 0 distinct id(s), expected 1',
    ]);
  });

  it('reports a relationship in the wrong direction', () => {
    const { check } = setup('ip-rich');
    const problems = check((objects) => {
      const r = find(objects, (o) => o.relationship_type === 'belongs-to');
      [r.source_ref, r.target_ref] = [r.target_ref, r.source_ref];
    });
    expect(
      problems.some((p) =>
        p.startsWith('missing relationship ipv4-addr {"value":"198.51.100.23"} belongs-to autonomous-system'),
      ),
    ).toBe(true);
  });

  it('compares start_time as instants', () => {
    const { check } = setup('ip-rich');
    const rel = (objects: StixObject[]) =>
      find(objects, (o) => o.relationship_type === 'resolves-to' && o.start_time === '2026-06-02T00:00:00.000Z');
    expect(check((objects) => void (rel(objects).start_time = '2026-06-02T00:00:00Z'))).toEqual([]);
    const problems = check((objects) => void (rel(objects).start_time = '2026-06-03T00:00:00.000Z'));
    expect(problems).toEqual([
      expect.stringMatching(/property start_time is "2026-06-03T00:00:00.000Z", expected "2026-06-02T00:00:00Z"/),
    ]);
    expect(check((objects) => void delete rel(objects).start_time)).toEqual([
      expect.stringContaining('property start_time is missing'),
    ]);
  });

  it('checks created_by author on created objects and unchanged on the entity', () => {
    const { s, check } = setup('ip-rich');
    const domainAuthor = check(
      (objects) =>
        void (find(objects, (o) => o.value === 'cdn-7.example.com').x_opencti_created_by_ref =
          'identity--a5aa2429-d2ea-5069-bd41-e0ce58bc9894'),
    );
    expect(domainAuthor).toEqual([expect.stringContaining('author (x_opencti_created_by_ref) is "identity--a5aa2429')]);
    const reattributed = check(
      (objects) =>
        void (entityOf(objects, s).x_opencti_created_by_ref = 'identity--fed9dc45-9659-5e32-9d2d-eb9a45df43a7'),
    );
    expect(reattributed).toEqual([
      expect.stringContaining(
        'author changed from "identity--a5aa2429-d2ea-5069-bd41-e0ce58bc9894" to "identity--fed9dc45',
      ),
    ]);
    expect(check((objects) => void delete scoOf(entityOf(objects, s)).created_by_ref)).toEqual([]); // not sent: kept by the platform
    expect(check((objects) => void (scoOf(entityOf(objects, s)).created_by_ref = null))).toEqual([
      expect.stringContaining('was removed'),
    ]);
  });

  it('checks markings: exact TLP ids on created objects, unchanged (or not sent) on the entity', () => {
    const { s, check } = setup('ip-rich');
    const extra = check(
      (objects) =>
        void (find(objects, (o) => o.type === 'location').object_marking_refs = [
          'marking-definition--826578e1-40ad-459f-bc73-ede076f81f37',
          'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
        ]),
    );
    expect(extra).toEqual([expect.stringContaining('object_marking_refs is')]);
    const stripped = check(
      (objects) =>
        void (entityOf(objects, s).object_marking_refs = ['marking-definition--826578e1-40ad-459f-bc73-ede076f81f37']),
    );
    expect(stripped).toEqual([
      expect.stringContaining('object_marking_refs changed from ["marking-definition--34098fce'),
    ]);
    expect(check((objects) => void delete entityOf(objects, s).object_marking_refs)).toEqual([]);
  });

  it('checks score: unchanged or absent', () => {
    const { s, check } = setup('ip-rich');
    expect(check((objects) => void (scoOf(entityOf(objects, s)).score = 80))).toEqual([
      expect.stringContaining('score changed from 40 to 80'),
    ]);
    expect(check((objects) => void delete scoOf(entityOf(objects, s)).score)).toEqual([]);
  });

  it('checks labels_include and labels_preserved across labels, x_opencti_labels and the SCO extension', () => {
    const { s, check } = setup('ip-rich');
    const onlyTopLevel = check((objects) => {
      const e = entityOf(objects, s);
      delete e.x_opencti_labels;
      delete scoOf(e).labels;
      e.labels = ['watchlist', 'CnC', 'Bot', 'Scanner'];
    });
    expect(onlyTopLevel).toEqual([]);
    const lost = check((objects) => {
      const e = entityOf(objects, s);
      e.x_opencti_labels = ['CnC', 'Bot'];
      scoOf(e).labels = ['CnC', 'Bot'];
    });
    expect(lost).toEqual([
      expect.stringContaining('lack ["Scanner"]'),
      expect.stringContaining('lost the entity\'s existing ["watchlist"]'),
    ]);
  });

  it('accepts any_of names and rejects others', () => {
    const { check } = setup('ip-rich');
    const rename = (name: string) =>
      check((objects) => {
        const loc = find(objects, (o) => o.type === 'location');
        const rel = find(objects, (o) => o.relationship_type === 'located-at');
        loc.name = name;
        loc.id = locationId(name, 'Country');
        rel.target_ref = loc.id;
      });
    expect(rename('Federal Republic of Germany')).toEqual([]);
    const problems = rename('Deutschland');
    expect(problems).toContain(
      'missing location {"x_opencti_location_type":"Country","name":{"any_of":["Federal Republic of Germany","Germany"]}}',
    );
  });

  it('checks should (may be left out, never wrong) and absent', () => {
    const { check } = setup('ip-rich');
    expect(check((objects) => void delete find(objects, (o) => o.type === 'location').region)).toEqual([]);
    expect(check((objects) => void (find(objects, (o) => o.type === 'location').region = 'BE'))).toEqual([
      expect.stringContaining('property region is "BE"; may be left out, but if set it must be "Berlin"'),
    ]);
    const file = setup('file-md5');
    expect(file.check((objects) => void (objects[0]!.mime_type = 'application/x-dosexec'))).toEqual([
      expect.stringContaining('property mime_type must not be set'),
    ]);
  });

  it('treats optional objects as optional but checks them when present', () => {
    const file = setup('file-md5');
    expect(file.check(() => undefined)).toEqual([]); // author and marking are optional there
    const domain = setup('domain-rich');
    expect(
      domain.check((objects) =>
        objects.filter((o) => o.type !== 'ipv6-addr' && o.target_ref !== observableId('ipv6-addr', '2001:db8:4f::25')),
      ),
    ).toEqual([]);
    const unmarked = domain.check(
      (objects) => void delete find(objects, (o) => o.type === 'ipv6-addr').object_marking_refs,
    );
    expect(unmarked).toEqual([expect.stringContaining('ipv6-addr {"value":"2001:db8:4f::25"}')]);
  });

  it('reports duplicate ids, must_not_contain and object_counts', () => {
    const { objects, check } = setup('ip-rich');
    const dup = check((copy) => [...copy, structuredClone(find(objects, (o) => o.type === 'location'))]);
    expect(dup[0]).toMatch(/^id location--\S+ appears 2 times/);
    const stale = check((copy) => [
      ...copy,
      {
        ...structuredClone(find(objects, (o) => o.type === 'domain-name')),
        id: observableId('domain-name', 'stale.example.net'),
        value: 'stale.example.net',
      },
    ]);
    expect(stale).toEqual([
      expect.stringContaining(
        'must not contain domain-name {"value":"stale.example.net"} (last_seen 2026-07-20 is before 2026-07-21)',
      ),
      'object_counts.domain-name: 4 distinct id(s), expected 3',
    ]);
    const extraType = check((copy) => [
      ...copy,
      { id: observableId('ipv6-addr', '2001:db8::1'), type: 'ipv6-addr', value: '2001:db8::1' },
    ]);
    expect(extraType).toEqual(['object_counts: 1 unexpected object(s) of type ipv6-addr']);
  });
});
