import { describe, expect, it } from 'vitest';
import type { EtFindings, GeolocationItem, StixObject } from '../../../src/shared/types';
import { TLP_MARKING_IDS } from '../../../src/shared/tlp';
import {
  buildEnrichmentObjects,
  type EnrichmentInput,
  OPENCTI_EXTENSION_ID,
  SCO_EXTENSION_ID,
} from '../../../src/stix/converter';
import { identityId, locationId, observableId, relationshipId } from '../../../src/stix/ids';
import { assertMatchesExpected } from '../../helpers/expected-matcher';
import { AUTHOR_NAME, FIXTURE_NOW, listOf, loadScenario, SCENARIO_NAMES, type Scenario } from './fixture-scenarios';

const AUTHOR_ID = 'identity--fed9dc45-9659-5e32-9d2d-eb9a45df43a7';
const AMBER_STRICT = TLP_MARKING_IDS['TLP:AMBER+STRICT'];
const GREEN = TLP_MARKING_IDS['TLP:GREEN'];

const list = listOf;
const run = (s: Scenario, overrides: Partial<EnrichmentInput> = {}) =>
  buildEnrichmentObjects({
    entity: s.stixEntity,
    entityType: s.entityType,
    findings: s.findings,
    authorName: AUTHOR_NAME,
    now: FIXTURE_NOW,
    ...overrides,
  });
const byId = (objects: StixObject[], id: string): StixObject => {
  const found = objects.find((o) => o.id === id);
  if (!found) throw new Error(`no object ${id} among ${objects.map((o) => o.id).join(', ')}`);
  return found;
};
const ofType = (objects: StixObject[], type: string): StixObject[] => objects.filter((o) => o.type === type);

/** A bare IPv4 entity as the platform sends it, with the given SCO extension content. */
function ipv4Entity(value: string, sco?: Record<string, unknown>): StixObject {
  return {
    id: observableId('ipv4-addr', value),
    spec_version: '2.1',
    type: 'ipv4-addr',
    value,
    object_marking_refs: [GREEN],
    extensions: sco ? { [SCO_EXTENSION_ID]: { extension_type: 'property-extension', ...sco } } : undefined,
  } as StixObject;
}
function ipv4Input(findings: EtFindings, entity: StixObject = ipv4Entity('198.51.100.10')): EnrichmentInput {
  return { entity, entityType: 'IPv4-Addr', findings, authorName: AUTHOR_NAME, now: FIXTURE_NOW };
}
const germany: GeolocationItem = {
  countryCode: 'DE',
  region: 'BE',
  city: 'Berlin',
  latitude: 52.52,
  longitude: 13.405,
};

describe('buildEnrichmentObjects: fixture scenarios', () => {
  it.each(SCENARIO_NAMES)('%s matches its expectation file', (name) => {
    const s = loadScenario(name);
    const { objects } = run(s);
    assertMatchesExpected(objects, s.expected, { entityId: s.entityId, stixEntity: s.stixEntity });
  });

  it('ip-rich: counts what was added and skips nothing', () => {
    const { added, skipped } = run(loadScenario('ip-rich'));
    expect(added).toEqual({
      labels: 3,
      hashes: 0,
      size: 0,
      domains: 3,
      ips: 0,
      samples: 3,
      locations: 1,
      asns: 1,
      relationships: 8,
    });
    expect(skipped).toEqual([]);
  });

  it('ip-rich: author, marking and entity come first, with the reference ids', () => {
    const s = loadScenario('ip-rich');
    const { objects } = run(s);
    expect(objects.slice(0, 3).map((o) => o.id)).toEqual([AUTHOR_ID, AMBER_STRICT, s.entityId]);
    expect(objects[0]).toEqual({
      type: 'identity',
      spec_version: '2.1',
      id: AUTHOR_ID,
      created: '2026-08-20T12:00:00.000Z',
      modified: '2026-08-20T12:00:00.000Z',
      name: 'ProofPoint ET Intelligence',
      description: expect.any(String),
      identity_class: 'organization',
      x_opencti_organization_type: 'vendor',
    });
    expect(objects[1]).toEqual({
      type: 'marking-definition',
      spec_version: '2.1',
      id: AMBER_STRICT,
      created: '2026-08-20T12:00:00.000Z',
      name: 'TLP:AMBER+STRICT',
      definition_type: 'statement',
      definition: { statement: 'custom' },
      x_opencti_definition_type: 'TLP',
      x_opencti_definition: 'TLP:AMBER+STRICT',
    });
    expect(new Set(objects.map((o) => o.id)).size).toBe(objects.length);
  });

  it('ip-rich: the entity keeps its markings, author, score and labels, and gains the categories in API order', () => {
    const s = loadScenario('ip-rich');
    const before = structuredClone(s.stixEntity);
    const entity = byId(run(s).objects, s.entityId);
    const union = ['watchlist', 'CnC', 'Bot', 'Scanner'];
    expect(entity.object_marking_refs).toEqual([GREEN]);
    expect(entity.x_opencti_labels).toEqual(union);
    const extensions = entity.extensions as Record<string, Record<string, unknown>>;
    expect(extensions[SCO_EXTENSION_ID]).toEqual({
      extension_type: 'property-extension',
      score: 40,
      labels: union,
      created_by_ref: 'identity--a5aa2429-d2ea-5069-bd41-e0ce58bc9894',
    });
    expect(extensions[OPENCTI_EXTENSION_ID]?.id).toBe('510965fb-368e-4828-bb36-d8c160a4dd58');
    expect(entity).not.toHaveProperty('x_opencti_created_by_ref');
    expect(entity).not.toHaveProperty('created_by_ref');
    expect(entity).not.toHaveProperty('labels'); // not a STIX property of SCOs
    expect(s.stixEntity).toEqual(before); // input untouched
  });

  it('ip-rich: relationships carry author, marking, now, and start_time only when ET gives a first_seen', () => {
    const s = loadScenario('ip-rich');
    const rels = ofType(run(s).objects, 'relationship');
    for (const r of rels) {
      expect(r).toMatchObject({ spec_version: '2.1', created_by_ref: AUTHOR_ID, object_marking_refs: [AMBER_STRICT] });
      expect(r.created).toBe('2026-08-20T12:00:00.000Z');
      expect(r.modified).toBe('2026-08-20T12:00:00.000Z');
      if (r.relationship_type === 'located-at' || r.relationship_type === 'belongs-to')
        expect(r).not.toHaveProperty('start_time');
      else expect(r.start_time).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
      expect(r).not.toHaveProperty('stop_time');
    }
    const update = observableId('domain-name', 'update.example.net');
    expect(byId(rels, relationshipId('resolves-to', update, s.entityId)).start_time).toBe('2026-06-02T00:00:00.000Z');
  });

  it('ip-rich: created observables carry x_opencti_created_by_ref and the marking, SDOs created_by_ref', () => {
    const { objects } = run(loadScenario('ip-rich'));
    for (const o of [
      ...ofType(objects, 'domain-name'),
      ...ofType(objects, 'file'),
      ...ofType(objects, 'autonomous-system'),
    ]) {
      expect(o).toMatchObject({
        spec_version: '2.1',
        x_opencti_created_by_ref: AUTHOR_ID,
        object_marking_refs: [AMBER_STRICT],
      });
      expect(o).not.toHaveProperty('created_by_ref');
    }
    expect(ofType(objects, 'location')[0]).toMatchObject({
      created_by_ref: AUTHOR_ID,
      object_marking_refs: [AMBER_STRICT],
    });
  });

  it('ip-rich: the Country is named as OpenCTI names it, with the ISO 3166-2 region name', () => {
    const [location] = ofType(run(loadScenario('ip-rich')).objects, 'location');
    expect(location).toMatchObject({
      id: locationId('Germany', 'Country'),
      name: 'Germany',
      country: 'DE',
      region: 'Berlin',
      city: 'Berlin',
      latitude: 52.52,
      longitude: 13.405,
      x_opencti_location_type: 'Country',
    });
  });

  it('domain-rich: the IPv6 item becomes an ipv6-addr that the domain resolves to', () => {
    const s = loadScenario('domain-rich');
    const { objects, added } = run(s);
    const ipv6Id = observableId('ipv6-addr', '2001:db8:4f::25');
    expect(byId(objects, ipv6Id)).toMatchObject({ type: 'ipv6-addr', value: '2001:db8:4f::25' });
    expect(byId(objects, relationshipId('resolves-to', s.entityId, ipv6Id)).start_time).toBe(
      '2026-08-10T00:00:00.000Z',
    );
    expect(ofType(objects, 'ipv4-addr').map((o) => o.value)).toEqual(['203.0.113.14', '198.51.100.201']);
    expect(added.ips).toBe(3);
  });

  it('domain-rich: the entity had no labels: the SCO extension gets them, the rest is kept', () => {
    const s = loadScenario('domain-rich');
    const entity = byId(run(s).objects, s.entityId);
    expect((entity.extensions as Record<string, Record<string, unknown>>)[SCO_EXTENSION_ID]).toEqual({
      extension_type: 'property-extension',
      score: 50,
      labels: ['DriveBySrc', 'EXE_Source'],
      created_by_ref: 'identity--a5aa2429-d2ea-5069-bd41-e0ce58bc9894',
    });
    expect(entity.object_marking_refs).toEqual([TLP_MARKING_IDS['TLP:AMBER']]);
  });

  it('file-md5: only the file is re-sent, with SHA-256 and size added and MD5, SHA-1, name kept', () => {
    const s = loadScenario('file-md5');
    const { objects, added } = run(s);
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({
      id: s.entityId,
      hashes: {
        MD5: '08d9f42e95558080483d28154e573c8f',
        'SHA-1': '974f3f40e8fb201355dd34e4440a23e82c80b79d',
        'SHA-256': 'f82ca897b3b59ac54c79a9f0b84d667993c93c51a8a2276a6aa600a896d116bd',
      },
      name: 'fixture-sample-01.exe',
      size: 482304,
      object_marking_refs: [GREEN],
    });
    expect(objects[0]).not.toHaveProperty('mime_type');
    expect(added).toMatchObject({ hashes: 1, size: 1, labels: 0, relationships: 0 });
  });

  it('drops empty lists from the re-sent entity (granted_refs: [] is not valid STIX)', () => {
    const s = loadScenario('ip-rich');
    const entity = byId(run(s).objects, s.entityId);
    expect((entity.extensions as Record<string, Record<string, unknown>>)[OPENCTI_EXTENSION_ID]).not.toHaveProperty(
      'granted_refs',
    );
  });

  it.each(SCENARIO_NAMES)('%s: running twice gives identical objects', (name) => {
    expect(run(loadScenario(name))).toEqual(run(loadScenario(name)));
  });

  it('a later run gives the same ids, only created/modified follow now', () => {
    const s = loadScenario('ip-rich');
    const first = run(s).objects;
    const later = run(s, { now: '2026-09-01T08:30:00.123Z' }).objects;
    expect(later.map((o) => o.id)).toEqual(first.map((o) => o.id));
    expect(ofType(later, 'relationship')[0]?.created).toBe('2026-09-01T08:30:00.123Z');
  });
});

describe('buildEnrichmentObjects: nothing found', () => {
  it('returns no object when ET knows nothing', () => {
    const empty: EtFindings = {
      reputation: list([]),
      relatedDomains: list([]),
      relatedSamples: list([]),
      geolocation: list([]),
      asn: null,
    };
    const result = buildEnrichmentObjects(ipv4Input(empty));
    expect(result.objects).toEqual([]);
    expect(Object.values(result.added).every((n) => n === 0)).toBe(true);
  });

  it('returns no object when every category is already a label (compared case-insensitively)', () => {
    const entity = ipv4Entity('198.51.100.10', { labels: ['cnc', 'Bot'] });
    const result = buildEnrichmentObjects(
      ipv4Input(
        {
          reputation: list([
            { category: 'CnC', score: 100 },
            { category: 'bot', score: 1 },
          ]),
        },
        entity,
      ),
    );
    expect(result.objects).toEqual([]);
  });

  it('returns no object for a file when ET has no details', () => {
    const s = loadScenario('file-md5');
    expect(run(s, { findings: { sampleDetails: null } }).objects).toEqual([]);
  });
});

describe('buildEnrichmentObjects: labels', () => {
  it('unions labels from x_opencti_labels, top-level labels and both extensions, and updates every list it found', () => {
    const entity = {
      ...ipv4Entity('198.51.100.10', { labels: ['sco'] }),
      labels: ['top'],
      x_opencti_labels: ['xo', 'Top'],
    } as StixObject;
    (entity.extensions as Record<string, unknown>)[OPENCTI_EXTENSION_ID] = {
      extension_type: 'property-extension',
      labels: ['octi'],
    };
    const result = buildEnrichmentObjects(
      ipv4Input(
        {
          reputation: list([
            { category: 'Scanner', score: 0 },
            { category: 'Scanner', score: 5 },
          ]),
        },
        entity,
      ),
    );
    const sent = byId(result.objects, entity.id);
    const union = ['top', 'xo', 'octi', 'sco', 'Scanner'];
    expect(sent.labels).toEqual(union);
    expect(sent.x_opencti_labels).toEqual(union);
    const extensions = sent.extensions as Record<string, Record<string, unknown>>;
    expect(extensions[OPENCTI_EXTENSION_ID]?.labels).toEqual(union);
    expect(extensions[SCO_EXTENSION_ID]?.labels).toEqual(union);
    expect(result.added.labels).toBe(1);
  });

  it('creates the SCO extension when the entity has no extensions', () => {
    const entity = ipv4Entity('198.51.100.10');
    delete entity.extensions;
    const sent = byId(
      buildEnrichmentObjects(ipv4Input({ reputation: list([{ category: 'CnC', score: 3 }]) }, entity)).objects,
      entity.id,
    );
    expect(sent.extensions).toEqual({ [SCO_EXTENSION_ID]: { extension_type: 'property-extension', labels: ['CnC'] } });
  });

  it('does not re-send the entity when only related objects are new', () => {
    const entity = ipv4Entity('198.51.100.10');
    const result = buildEnrichmentObjects(ipv4Input({ asn: { asn: 64500, owner: 'EXAMPLE-AS' } }, entity));
    expect(result.objects.map((o) => o.type)).toEqual([
      'identity',
      'marking-definition',
      'autonomous-system',
      'relationship',
    ]);
    expect(result.objects[3]).toMatchObject({
      id: 'relationship--51db4a40-a29b-55ce-9f74-2281b9d47558',
      source_ref: entity.id,
    });
  });
});

describe('buildEnrichmentObjects: geolocation', () => {
  it.each(['XK', 'EU', 'A1', 'A2', 'AP', 'ZZ', 'QQ', '', 'DEU'])(
    'country code %j gives no Location and no error',
    (code) => {
      const result = buildEnrichmentObjects(
        ipv4Input({ geolocation: list([{ countryCode: code, city: 'Somewhere' }]), asn: { asn: 64500, owner: 'X' } }),
      );
      expect(ofType(result.objects, 'location')).toEqual([]);
      expect(ofType(result.objects, 'relationship').map((r) => r.relationship_type)).toEqual(['belongs-to']);
      expect(result.skipped).toEqual([
        { kind: 'geolocation', value: code, reason: expect.stringContaining('ISO 3166-1') },
      ]);
    },
  );

  it('names the reference example as OpenCTI does and keeps its id', () => {
    const result = buildEnrichmentObjects(ipv4Input({ geolocation: list([{ countryCode: 'us', region: 'CA' }]) }));
    const [location] = ofType(result.objects, 'location');
    expect(location).toMatchObject({
      id: 'location--e79b4cf1-a256-5efa-bc74-c94c7c7ffde0',
      name: 'United States of America',
      country: 'US',
      region: 'California',
    });
    expect(byId(result.objects, 'relationship--b7033d22-5713-5691-86e4-940ebbee2d4b').relationship_type).toBe(
      'located-at',
    );
  });

  it('keeps a region it cannot name as received, and leaves out a lone coordinate', () => {
    const result = buildEnrichmentObjects(
      ipv4Input({ geolocation: list([{ countryCode: 'DE', region: '16', latitude: 52.5 }]) }),
    );
    const [location] = ofType(result.objects, 'location');
    expect(location?.region).toBe('16');
    expect(location).not.toHaveProperty('latitude');
    expect(location).not.toHaveProperty('longitude');
    expect(result.skipped.map((s) => s.kind)).toEqual(['geolocation']);
  });

  it('leaves out coordinates outside their range', () => {
    const [location] = ofType(
      buildEnrichmentObjects(ipv4Input({ geolocation: list([{ ...germany, latitude: 123 }]) })).objects,
      'location',
    );
    expect(location).not.toHaveProperty('latitude');
  });

  it('gives one Location and one located-at for repeated items of the same country', () => {
    const result = buildEnrichmentObjects(ipv4Input({ geolocation: list([germany, { ...germany, city: 'Potsdam' }]) }));
    expect(ofType(result.objects, 'location')).toHaveLength(1);
    expect(ofType(result.objects, 'location')[0]?.city).toBe('Berlin'); // first wins
    expect(result.added).toMatchObject({ locations: 1, relationships: 1 });
  });
});

describe('buildEnrichmentObjects: related objects', () => {
  const domainEntity = (): StixObject => ({
    id: observableId('domain-name', 'malicious.example.com'),
    spec_version: '2.1',
    type: 'domain-name',
    value: 'malicious.example.com',
  });
  const domainInput = (findings: EtFindings): EnrichmentInput => ({
    entity: domainEntity(),
    entityType: 'Domain-Name',
    findings,
    authorName: AUTHOR_NAME,
    now: FIXTURE_NOW,
  });

  it('types a related IP by its address, whatever its version says: never an ipv4-addr holding an IPv6 value', () => {
    const result = buildEnrichmentObjects(
      domainInput({
        relatedIps: list([
          { ip: '2001:db8::5', version: 4, firstSeen: '2026-08-01', lastSeen: '2026-08-02' },
          { ip: '203.0.113.5', version: 4, firstSeen: '2026-06-20', lastSeen: '2026-08-15' },
        ]),
      }),
    );
    expect(ofType(result.objects, 'ipv6-addr').map((o) => o.value)).toEqual(['2001:db8::5']);
    expect(ofType(result.objects, 'ipv4-addr').map((o) => o.value)).toEqual(['203.0.113.5']);
    // reference vector: malicious.example.com resolves-to 203.0.113.5
    expect(byId(result.objects, 'relationship--e30e5b53-8502-51e7-8ec9-d6bacb653bf7')).toMatchObject({
      source_ref: domainEntity().id,
      target_ref: 'ipv4-addr--826fe3cb-56b0-5620-9d30-4c17ed7b24e3',
      start_time: '2026-06-20T00:00:00.000Z',
    });
  });

  it('skips a related IP that is not an address, keeping the others', () => {
    const result = buildEnrichmentObjects(
      domainInput({
        relatedIps: list([
          { ip: 'not-an-ip', version: 4, firstSeen: '2026-08-01', lastSeen: '2026-08-02' },
          { ip: '203.0.113.5', version: 4, firstSeen: '2026-08-01', lastSeen: '2026-08-02' },
        ]),
      }),
    );
    expect(result.added.ips).toBe(1);
    expect(result.skipped).toEqual([{ kind: 'ip', value: 'not-an-ip', reason: 'not an IP address' }]);
  });

  it('links samples to the enriched domain with communicates-with', () => {
    const result = buildEnrichmentObjects(
      domainInput({
        relatedSamples: list([
          { md5: '0123456789abcdef0123456789abcdef', firstSeen: '2026-08-01', lastSeen: '2026-08-02' },
        ]),
      }),
    );
    expect(ofType(result.objects, 'relationship')[0]).toMatchObject({
      relationship_type: 'communicates-with',
      source_ref: 'file--5abe0dd7-4bcc-59de-bfd6-5dda910fd773',
      target_ref: domainEntity().id,
      start_time: '2026-08-01T00:00:00.000Z',
    });
  });

  it('reproduces the worked IPv4 example of the reference (ids and order)', () => {
    const findings: EtFindings = {
      reputation: list([
        { category: 'CnC', score: 110 },
        { category: 'Bot', score: 42 },
      ]),
      relatedDomains: list([{ domain: 'c2.example.net', firstSeen: '2026-07-01', lastSeen: '2026-08-10' }]),
      relatedSamples: list([
        { md5: '0123456789abcdef0123456789abcdef', firstSeen: '2026-08-01', lastSeen: '2026-08-02' },
      ]),
      geolocation: list([{ countryCode: 'US', region: 'CA' }]),
      asn: { asn: 64500, owner: 'EXAMPLE-AS' },
    };
    const result = buildEnrichmentObjects(ipv4Input(findings));
    expect(result.objects.map((o) => o.id)).toEqual([
      'identity--fed9dc45-9659-5e32-9d2d-eb9a45df43a7',
      'marking-definition--826578e1-40ad-459f-bc73-ede076f81f37',
      'ipv4-addr--40495fb2-6385-5166-bb8f-bf50ce06f444',
      'domain-name--5e525b76-acd9-5c9b-ac79-afa42fa54ca7',
      'relationship--ab7c8d67-6587-5ae6-bc14-c0252d16f9f8',
      'file--5abe0dd7-4bcc-59de-bfd6-5dda910fd773',
      'relationship--64592e42-6c83-5db7-98d7-cd5e2c8723c7',
      'location--e79b4cf1-a256-5efa-bc74-c94c7c7ffde0',
      'relationship--b7033d22-5713-5691-86e4-940ebbee2d4b',
      'autonomous-system--0a5f7072-df00-5729-9f0a-4eb18631a446',
      'relationship--51db4a40-a29b-55ce-9f74-2281b9d47558',
    ]);
    expect(byId(result.objects, 'relationship--ab7c8d67-6587-5ae6-bc14-c0252d16f9f8').start_time).toBe(
      '2026-07-01T00:00:00.000Z',
    );
    expect(byId(result.objects, 'autonomous-system--0a5f7072-df00-5729-9f0a-4eb18631a446')).toMatchObject({
      number: 64500,
      name: 'EXAMPLE-AS',
    });
  });

  it('gives one object and one relationship for a repeated item, keeping the first start_time', () => {
    const result = buildEnrichmentObjects(
      ipv4Input({
        relatedDomains: list([
          { domain: 'c2.example.net', firstSeen: '2026-07-01', lastSeen: '2026-08-10' },
          { domain: 'c2.example.net', firstSeen: '2026-05-01', lastSeen: '2026-08-12' },
        ]),
      }),
    );
    expect(result.added).toMatchObject({ domains: 1, relationships: 1 });
    expect(ofType(result.objects, 'relationship')[0]?.start_time).toBe('2026-07-01T00:00:00.000Z');
  });

  it('leaves start_time out when first_seen is not a real date', () => {
    const result = buildEnrichmentObjects(
      ipv4Input({
        relatedDomains: list([{ domain: 'c2.example.net', firstSeen: '2026-02-30', lastSeen: '2026-08-10' }]),
      }),
    );
    expect(ofType(result.objects, 'relationship')[0]).not.toHaveProperty('start_time');
  });

  it('uses the given marking level and author name', () => {
    const result = buildEnrichmentObjects({
      ...ipv4Input({ asn: { asn: 64500, owner: 'X' } }),
      markingLevel: 'TLP:RED',
      authorName: 'My ET',
    });
    const author = identityId('My ET', 'organization');
    expect(result.objects[0]).toMatchObject({ id: author, name: 'My ET' });
    expect(result.objects[1]).toMatchObject({
      id: TLP_MARKING_IDS['TLP:RED'],
      x_opencti_definition: 'TLP:RED',
      x_opencti_definition_type: 'TLP',
    });
    expect(result.objects[2]).toMatchObject({
      object_marking_refs: [TLP_MARKING_IDS['TLP:RED']],
      x_opencti_created_by_ref: author,
    });
  });

  it('ignores findings that do not belong to the entity type', () => {
    const result = buildEnrichmentObjects(
      ipv4Input({
        relatedIps: list([{ ip: '203.0.113.5', version: 4, firstSeen: '2026-08-01', lastSeen: '2026-08-02' }]),
      }),
    );
    expect(result.objects).toEqual([]);
  });

  it('refuses an invalid now', () => {
    expect(() => buildEnrichmentObjects({ ...ipv4Input({}), now: 'yesterday' })).toThrow(RangeError);
  });
});

describe('buildEnrichmentObjects: file details', () => {
  const file = (hashes: Record<string, string>, extra: Record<string, unknown> = {}): EnrichmentInput => ({
    entity: { id: 'file--3cbee695-5154-5346-83bf-9a40e1840950', spec_version: '2.1', type: 'file', hashes, ...extra },
    entityType: 'StixFile',
    findings: { sampleDetails: { md5: '08d9f42e95558080483d28154e573c8f', sha256: 'f'.repeat(64), fileSize: 10 } },
    authorName: AUTHOR_NAME,
    now: FIXTURE_NOW,
  });

  it('ignores details answered for another MD5', () => {
    const result = buildEnrichmentObjects(file({ MD5: 'ffffffffffffffffffffffffffffffff' }));
    expect(result.objects).toEqual([]);
    expect(result.skipped[0]?.kind).toBe('sample-details');
  });

  it('accepts an upper-case MD5 on the entity', () => {
    expect(buildEnrichmentObjects(file({ MD5: '08D9F42E95558080483D28154E573C8F' })).objects).toHaveLength(1);
  });

  it('never overwrites a SHA-256 or size the file already has', () => {
    const result = buildEnrichmentObjects(
      file({ MD5: '08d9f42e95558080483d28154e573c8f', 'SHA-256': 'a'.repeat(64) }, { size: 99 }),
    );
    expect(result.objects).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      expect.stringContaining('another SHA-256'),
      expect.stringContaining('another size'),
    ]);
  });

  it('adds only what is missing', () => {
    const result = buildEnrichmentObjects(file({ MD5: '08d9f42e95558080483d28154e573c8f', 'SHA-256': 'f'.repeat(64) }));
    expect(result.objects[0]).toMatchObject({ size: 10 });
    expect(result.added).toMatchObject({ hashes: 0, size: 1 });
  });
});
