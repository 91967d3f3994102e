import { describe, expect, it } from 'vitest';
import type { StixObject } from '../../../src/shared/types';
import { TLP_LEVELS } from '../../../src/shared/tlp';
import { buildEnrichmentObjects } from '../../../src/stix/converter';
import { observableId } from '../../../src/stix/ids';
import { validateStixObject } from '../../helpers/stix-schema';
import { AUTHOR_NAME, convertScenario, FIXTURE_NOW, listOf as list, SCENARIO_NAMES } from './fixture-scenarios';

describe('STIX 2.1 schema validity (OASIS cti-stix2-json-schemas)', () => {
  it.each(SCENARIO_NAMES)('every object produced for %s is valid', (name) => {
    const { objects } = convertScenario(name);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(validateStixObject)).toEqual([]);
  });

  it.each(TLP_LEVELS)('objects marked %s are valid, marking definition included', (level) => {
    const entity: StixObject = {
      id: observableId('ipv4-addr', '198.51.100.10'),
      spec_version: '2.1',
      type: 'ipv4-addr',
      value: '198.51.100.10',
    };
    const { objects } = buildEnrichmentObjects({
      entity,
      entityType: 'IPv4-Addr',
      findings: {
        reputation: list([{ category: 'CnC', score: 1 }]),
        geolocation: list([{ countryCode: 'CI', region: 'AB', latitude: 5.3 }]), // lone coordinate, non-ASCII name
        asn: { asn: 64500, owner: 'EXAMPLE-AS' },
      },
      authorName: AUTHOR_NAME,
      markingLevel: level,
      now: FIXTURE_NOW,
    });
    expect(objects.map((o) => o.type)).toContain('marking-definition');
    expect(objects.flatMap(validateStixObject)).toEqual([]);
  });

  it('an IPv6 related to a domain is a valid ipv6-addr', () => {
    const { objects } = convertScenario('domain-rich');
    const ipv6 = objects.filter((o) => o.type === 'ipv6-addr');
    expect(ipv6).toHaveLength(1);
    expect(ipv6.flatMap(validateStixObject)).toEqual([]);
  });
});

describe('validateStixObject', () => {
  it('reports what is wrong, with the object id and path', () => {
    const errors = validateStixObject({
      id: 'ipv4-addr--40495fb2-6385-5166-bb8f-bf50ce06f444',
      type: 'ipv4-addr',
      spec_version: '2.1',
      value: '2001:db8::1',
    });
    expect(errors.some((e) => e.startsWith('ipv4-addr--40495fb2-6385-5166-bb8f-bf50ce06f444/value:'))).toBe(true);
  });

  it('rejects a relationship without created/modified and empty lists in custom properties', () => {
    const errors = validateStixObject({
      id: 'relationship--ab7c8d67-6587-5ae6-bc14-c0252d16f9f8',
      type: 'relationship',
      spec_version: '2.1',
      relationship_type: 'resolves-to',
      source_ref: 'domain-name--5e525b76-acd9-5c9b-ac79-afa42fa54ca7',
      target_ref: 'ipv4-addr--40495fb2-6385-5166-bb8f-bf50ce06f444',
      x_opencti_labels: [],
    });
    expect(errors.join('\n')).toMatch(/required.*created/);
    expect(errors.join('\n')).toMatch(/x_opencti_labels/);
  });

  it('accepts internationalised domain names and says when a type has no schema', () => {
    expect(
      validateStixObject({
        id: observableId('domain-name', 'bäckerei-müller.example'),
        type: 'domain-name',
        spec_version: '2.1',
        value: 'bäckerei-müller.example',
      }),
    ).toEqual([]);
    expect(validateStixObject({ id: 'x-thing--1', type: 'x-thing' })).toEqual([
      "x-thing--1: no OASIS schema for type 'x-thing'",
    ]);
  });
});
