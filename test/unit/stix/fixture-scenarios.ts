/**
 * The three fixture scenarios with an expectation file (ip-rich, domain-rich, file-md5), loaded from
 * shared/fixtures: the received entity (double-encoded `stix_entity`), the ET answers turned into
 * `EtFindings` with the P30D window at the fixture clock, and the expectation.
 *
 * The ET-to-findings mapping here is deliberately minimal (no validation): it stands in for the ET
 * layer so the converter can be tested alone.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { EtFindings, EtListResult, ObservableType, StixObject } from '../../../src/shared/types';
import { FIXTURES_DIR } from '../../helpers/fixtures';
import { buildEnrichmentObjects } from '../../../src/stix/converter';

/** Reference clock of every fixture. */
export const FIXTURE_NOW = '2026-08-20T12:00:00Z';
/** Date part of now - P30D: items last seen before it are dropped. */
export const WINDOW_START = '2026-07-21';
export const AUTHOR_NAME = 'ProofPoint ET Intelligence';

export interface Scenario {
  name: 'ip-rich' | 'domain-rich' | 'file-md5';
  entityId: string;
  entityType: ObservableType;
  stixEntity: StixObject;
  findings: EtFindings;
  expected: unknown;
}

const readJson = (...parts: string[]): unknown => JSON.parse(readFileSync(join(FIXTURES_DIR, ...parts), 'utf8'));

/** The `response` payload of one ET answer file. */
function etResponse<T>(scenario: string, file: string): T {
  return (readJson('et-api', scenario, file) as { body: { response: T } }).body.response;
}

type Dated = { first_seen: string; last_seen: string };
function windowed<I extends Dated, T>(items: I[], map: (item: I) => T): EtListResult<T> {
  const kept = items.filter((i) => i.last_seen >= WINDOW_START);
  return {
    items: kept.map(map),
    total: items.length,
    outsideWindow: items.length - kept.length,
    overCap: 0,
    invalidCount: 0,
    invalid: [],
  };
}
/** An ET list result that kept every item (nothing outside the window, over the cap or invalid). */
export const listOf = <T>(items: T[]): EtListResult<T> => ({
  items,
  total: items.length,
  outsideWindow: 0,
  overCap: 0,
  invalidCount: 0,
  invalid: [],
});

function reputation(scenario: string, file: string): EtListResult<{ category: string; score: number }> {
  return listOf(etResponse<Array<{ category: string; score: number }>>(scenario, file));
}
function samples(scenario: string, file: string): EtFindings['relatedSamples'] {
  return windowed(etResponse<Array<Dated & { source: string }>>(scenario, file), (s) => ({
    md5: s.source,
    firstSeen: s.first_seen,
    lastSeen: s.last_seen,
  }));
}

function findingsFor(name: Scenario['name']): EtFindings {
  switch (name) {
    case 'ip-rich': {
      const p = 'ips__198.51.100.23__';
      const geo = etResponse<
        Array<{
          ip: string;
          country_code: string;
          country?: string;
          region?: string;
          city?: string;
          latitude?: number;
          longitude?: number;
        }>
      >(name, `${p}geoloc.json`);
      const asn = etResponse<{ asn: number; owner: string; authorizer?: string; country?: string }>(
        name,
        `${p}asn.json`,
      );
      return {
        reputation: reputation(name, `${p}reputation.json`),
        relatedDomains: windowed(etResponse<Array<Dated & { domain: string }>>(name, `${p}domains.json`), (d) => ({
          domain: d.domain,
          firstSeen: d.first_seen,
          lastSeen: d.last_seen,
        })),
        relatedSamples: samples(name, `${p}samples.json`),
        geolocation: listOf(
          geo.map((g) => ({
            ip: g.ip,
            countryCode: g.country_code,
            country: g.country,
            region: g.region,
            city: g.city,
            latitude: g.latitude,
            longitude: g.longitude,
          })),
        ),
        asn: { asn: asn.asn, owner: asn.owner, authorizer: asn.authorizer, country: asn.country },
      };
    }
    case 'domain-rich': {
      const p = 'domains__payload-cdn.example.net__';
      return {
        reputation: reputation(name, `${p}reputation.json`),
        relatedIps: windowed(etResponse<Array<Dated & { ip: string }>>(name, `${p}ips.json`), (i) => ({
          ip: i.ip,
          version: isIP(i.ip) === 6 ? 6 : 4,
          firstSeen: i.first_seen,
          lastSeen: i.last_seen,
        })),
        relatedSamples: samples(name, `${p}samples.json`),
      };
    }
    case 'file-md5': {
      const d = etResponse<{
        md5sum: string;
        sha256?: string;
        file_size?: number;
        file_type?: string;
        submit_date?: string;
      }>(name, 'samples__08d9f42e95558080483d28154e573c8f.json');
      return {
        sampleDetails: {
          md5: d.md5sum,
          sha256: d.sha256,
          fileSize: d.file_size,
          fileType: d.file_type,
          submitDate: d.submit_date,
        },
      };
    }
  }
}

const MESSAGES: Record<Scenario['name'], string> = {
  'ip-rich': 'manual-ipv4.json',
  'domain-rich': 'auto-domain.json',
  'file-md5': 'manual-file-md5.json',
};

/** Loads one scenario; every call returns fresh objects. */
export function loadScenario(name: Scenario['name']): Scenario {
  const message = readJson('opencti', 'messages', MESSAGES[name]) as {
    event: { entity_id: string; entity_type: ObservableType; stix_entity: string };
  };
  return {
    name,
    entityId: message.event.entity_id,
    entityType: message.event.entity_type,
    stixEntity: JSON.parse(message.event.stix_entity) as StixObject,
    findings: findingsFor(name),
    expected: readJson('expected', `${name}.json`),
  };
}

export const SCENARIO_NAMES: ReadonlyArray<Scenario['name']> = ['ip-rich', 'domain-rich', 'file-md5'];

/** A scenario and the objects the converter makes of it, at the fixture clock, by the ET author. */
export function convertScenario(name: Scenario['name']): { scenario: Scenario; objects: StixObject[] } {
  const scenario = loadScenario(name);
  const { objects } = buildEnrichmentObjects({
    entity: scenario.stixEntity,
    entityType: scenario.entityType,
    findings: scenario.findings,
    authorName: AUTHOR_NAME,
    now: FIXTURE_NOW,
  });
  return { scenario, objects };
}
