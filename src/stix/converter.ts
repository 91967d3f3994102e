/**
 * ET Intelligence findings -> the STIX 2.1 objects to push to OpenCTI. Pure: no I/O, no clock, no
 * randomness (the caller passes `now`), so the same input always gives the same objects and ids.
 *
 * Mapping (et-intelligence.md §2.8, fixtures/expected/EXPECTED.md where they differ):
 * - author `identity` + TLP `marking-definition`, referenced by everything we create;
 * - IPv4: related domain `resolves-to` the IPv4, related sample `communicates-with` the IPv4,
 *   IPv4 `located-at` Country, IPv4 `belongs-to` autonomous system;
 * - domain: domain `resolves-to` related IPv4/IPv6, related sample `communicates-with` the domain;
 * - file: SHA-256 and size added to the file itself.
 * The enriched entity is re-sent (same id, its own author/markings/score/labels kept) only when
 * something is added to it; when nothing at all is found the result is empty.
 *
 * @module
 */
import { isIP } from 'node:net';
import type {
  AsnData,
  EtFindings,
  GeolocationItem,
  ObservableType,
  RelatedDomainItem,
  RelatedIpItem,
  RelatedSampleItem,
  SampleDetails,
  StixObject,
} from '../shared/types';
import { TLP_MARKING_IDS, type TlpLevel } from '../shared/tlp';
import { lookupCountry, lookupSubdivisionName } from './countries';
import { autonomousSystemId, fileId, identityId, locationId, observableId, relationshipId } from './ids';

/** OpenCTI SCO extension: where the platform puts (and the importer reads) an observable's labels, score, author. */
export const SCO_EXTENSION_ID = 'extension-definition--f93e2c80-4231-4f9a-af8b-95c9bd566a82';
/** OpenCTI extension: internal id, OpenCTI type, timestamps of the entity. */
export const OPENCTI_EXTENSION_ID = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';

/** Marking applied to everything the connector creates, unless told otherwise. */
export const DEFAULT_MARKING_LEVEL: TlpLevel = 'TLP:AMBER+STRICT';

const AUTHOR_DESCRIPTION =
  'ProofPoint ET Intelligence (Emerging Threats) provides reputation, history and context for IP addresses, ' +
  'domains and malware samples, built from sensors, honeypots and the analysis of millions of malware samples.';

export interface EnrichmentInput {
  /** The received `stix_entity`, parsed. Never mutated. */
  entity: StixObject;
  entityType: ObservableType;
  findings: EtFindings;
  /** Connector name; also the author identity's name (so it decides the author id). */
  authorName: string;
  /** Marking of every created object and relationship. @default 'TLP:AMBER+STRICT' */
  markingLevel?: TlpLevel;
  /** ISO 8601 instant used for `created` / `modified` of created objects. */
  now: string;
}

/** What was added, by kind. Every key is always present. */
export type AddedCounts = {
  /** New labels on the enriched entity (reputation categories it did not have). */
  labels: number;
  /** New hashes on the enriched file. */
  hashes: number;
  /** 1 when the enriched file got its size. */
  size: number;
  domains: number;
  /** Related IPv4 and IPv6 observables. */
  ips: number;
  samples: number;
  locations: number;
  asns: number;
  relationships: number;
};

/** A finding that was not turned into STIX, with the reason (for logs and the work message). */
export interface SkippedFinding {
  kind: 'ip' | 'domain' | 'sample' | 'geolocation' | 'asn' | 'sample-details';
  value: string;
  reason: string;
}

export interface EnrichmentObjects {
  /** Objects to push, each id once: author, marking, entity (if changed), then each related object and its relationship. Empty when nothing was found. */
  objects: StixObject[];
  added: AddedCounts;
  skipped: SkippedFinding[];
}

/** Build the STIX objects for one enrichment. See the module doc for the mapping. */
export function buildEnrichmentObjects(input: EnrichmentInput): EnrichmentObjects {
  const now = toStixTimestamp(input.now);
  const authorId = identityId(input.authorName, 'organization');
  const markingLevel = input.markingLevel ?? DEFAULT_MARKING_LEVEL;
  const markingId = TLP_MARKING_IDS[markingLevel];
  const ctx: Context = {
    entityId: input.entity.id,
    authorId,
    markingId,
    now,
    related: new Map(),
    added: { labels: 0, hashes: 0, size: 0, domains: 0, ips: 0, samples: 0, locations: 0, asns: 0, relationships: 0 },
    skipped: [],
  };

  const updatedEntity = updateEntity(input.entity, input.entityType, input.findings, ctx);
  addRelatedObjects(input.entityType, input.findings, ctx);

  // Author and marking only when something we create refers to them (an updated entity keeps its own).
  const head =
    ctx.related.size > 0 ? [makeAuthor(input.authorName, authorId, now), makeMarking(markingLevel, now)] : [];
  if (updatedEntity) head.push(updatedEntity);
  // concat, not push(...spread): a big answer gives hundreds of thousands of objects (call-stack limit).
  const objects = head.concat(Array.from(ctx.related.values()));
  return { objects, added: ctx.added, skipped: ctx.skipped };
}

interface Context {
  entityId: string;
  authorId: string;
  markingId: string;
  now: string;
  /** Created objects by id, in creation order; the first object with an id wins (as in the reference). */
  related: Map<string, StixObject>;
  added: AddedCounts;
  skipped: SkippedFinding[];
}

// ---------------------------------------------------------------------------------------------
// Author and marking

function makeAuthor(name: string, id: string, now: string): StixObject {
  return {
    type: 'identity',
    spec_version: '2.1',
    id,
    created: now,
    modified: now,
    name,
    description: AUTHOR_DESCRIPTION,
    identity_class: 'organization',
    x_opencti_organization_type: 'vendor',
  };
}

/**
 * The TLP marking as OpenCTI/pycti write it for TLP:AMBER+STRICT (a `statement` marking whose
 * `x_opencti_definition*` name the TLP level; the importer resolves it to the platform's marking by
 * its static id). The same shape is used for the other levels, with their own static ids.
 */
function makeMarking(level: TlpLevel, now: string): StixObject {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP_MARKING_IDS[level],
    created: now,
    name: level,
    definition_type: 'statement',
    definition: { statement: 'custom' },
    x_opencti_definition_type: 'TLP',
    x_opencti_definition: level,
  };
}

// ---------------------------------------------------------------------------------------------
// The enriched entity

/**
 * The entity to re-send, or undefined when nothing is added to it. Everything received is kept
 * (id, author, markings, score, existing labels, hashes, name); only labels, SHA-256 and size are added.
 */
function updateEntity(
  entity: StixObject,
  type: ObservableType,
  findings: EtFindings,
  ctx: Context,
): StixObject | undefined {
  const copy = structuredClone(entity);
  const changed =
    type === 'StixFile'
      ? findings.sampleDetails != null && addSampleDetails(copy, findings.sampleDetails, ctx)
      : addReputationLabels(copy, findings.reputation?.items.map((r) => r.category) ?? [], ctx);
  return changed ? withoutEmptyValues(copy) : undefined;
}

/**
 * Adds the reputation categories to the entity's labels. Labels are written where the OpenCTI
 * importer reads them (protocol §5.2: top-level `labels`, else an extension's `labels`, else
 * `x_opencti_labels`): the union goes into the SCO extension's `labels` (the platform's own place for
 * observable labels, and the one read before `x_opencti_labels`), into `x_opencti_labels`, and into
 * any other `labels` list the entity already had, so no stale list can win. Top-level `labels` is
 * not a STIX property of SCOs, so it is never added.
 */
function addReputationLabels(entity: StixObject, categories: string[], ctx: Context): boolean {
  const extensions = asRecord(entity.extensions);
  const scoExt = asRecord(extensions?.[SCO_EXTENSION_ID]);
  const openctiExt = asRecord(extensions?.[OPENCTI_EXTENSION_ID]);
  const existing = [entity.labels, entity.x_opencti_labels, openctiExt?.labels, scoExt?.labels].flatMap(stringList);
  const union = uniqueCaseInsensitive([...existing, ...categories]);
  const added = union.length - uniqueCaseInsensitive(existing).length;
  if (added === 0) return false;

  ctx.added.labels += added;
  entity.x_opencti_labels = union;
  if (Array.isArray(entity.labels)) entity.labels = union;
  if (openctiExt && Array.isArray(openctiExt.labels)) openctiExt.labels = union;
  if (scoExt) {
    scoExt.labels = union;
  } else {
    entity.extensions = { ...extensions, [SCO_EXTENSION_ID]: { extension_type: 'property-extension', labels: union } };
  }
  return true;
}

/** Adds SHA-256 and size from ET's sample details, never overwriting what the file already has. */
function addSampleDetails(entity: StixObject, details: SampleDetails, ctx: Context): boolean {
  const hashes = asRecord(entity.hashes) ?? {};
  const md5 = typeof hashes.MD5 === 'string' ? hashes.MD5 : undefined;
  if (!md5 || md5.toLowerCase() !== details.md5.toLowerCase()) {
    ctx.skipped.push({
      kind: 'sample-details',
      value: details.md5,
      reason: `ET answered for another MD5 than the file's (${md5 ?? 'none'})`,
    });
    return false;
  }
  let changed = false;
  if (details.sha256) {
    const current = hashes['SHA-256'];
    if (current === undefined) {
      entity.hashes = { ...hashes, 'SHA-256': details.sha256 };
      ctx.added.hashes += 1;
      changed = true;
    } else if (typeof current === 'string' && current.toLowerCase() !== details.sha256.toLowerCase()) {
      ctx.skipped.push({
        kind: 'sample-details',
        value: details.sha256,
        reason: `file already has another SHA-256 (${String(current)}); kept`,
      });
    }
  }
  if (details.fileSize !== undefined) {
    if (entity.size === undefined) {
      entity.size = details.fileSize;
      ctx.added.size = 1;
      changed = true;
    } else if (entity.size !== details.fileSize) {
      ctx.skipped.push({
        kind: 'sample-details',
        value: String(details.fileSize),
        reason: `file already has another size (${String(entity.size)}); kept`,
      });
    }
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Related objects and relationships

/** Related objects link to the entity by id only (it exists in the platform, whether re-sent or not). */
function addRelatedObjects(type: ObservableType, findings: EtFindings, ctx: Context): void {
  // Same order as the reference: ips, domains, samples, geolocation, asn.
  if (type === 'Domain-Name') for (const item of findings.relatedIps?.items ?? []) addRelatedIp(item, ctx);
  if (type === 'IPv4-Addr') for (const item of findings.relatedDomains?.items ?? []) addRelatedDomain(item, ctx);
  if (type !== 'StixFile') for (const item of findings.relatedSamples?.items ?? []) addRelatedSample(item, ctx);
  if (type === 'IPv4-Addr') {
    for (const item of findings.geolocation?.items ?? []) addLocation(item, ctx);
    if (findings.asn) addAutonomousSystem(findings.asn, ctx);
  }
}

/** Domain enrichment: domain `resolves-to` the related IP, typed by its actual address family. */
function addRelatedIp(item: RelatedIpItem, ctx: Context): void {
  // Trust the address, not the label: an IPv6 value must never become an ipv4-addr.
  const family = isIP(item.ip);
  if (family === 0) {
    ctx.skipped.push({ kind: 'ip', value: item.ip, reason: 'not an IP address' });
    return;
  }
  const stixType = family === 6 ? 'ipv6-addr' : 'ipv4-addr';
  const ip = makeObservable(stixType, item.ip, ctx);
  if (addObject(ip, 'ips', ctx)) addRelationship('resolves-to', ctx.entityId, ip.id, item.firstSeen, ctx);
}

/** IPv4 enrichment: the related domain `resolves-to` the IPv4. */
function addRelatedDomain(item: RelatedDomainItem, ctx: Context): void {
  const domain = makeObservable('domain-name', item.domain, ctx);
  if (addObject(domain, 'domains', ctx)) addRelationship('resolves-to', domain.id, ctx.entityId, item.firstSeen, ctx);
}

/** The related sample (a file known by its MD5) `communicates-with` the IPv4 or domain. */
function addRelatedSample(item: RelatedSampleItem, ctx: Context): void {
  const hashes = { MD5: item.md5 };
  const file: StixObject = {
    type: 'file',
    spec_version: '2.1',
    id: fileId(hashes),
    hashes,
    object_marking_refs: [ctx.markingId],
    x_opencti_created_by_ref: ctx.authorId,
  };
  if (addObject(file, 'samples', ctx)) addRelationship('communicates-with', file.id, ctx.entityId, item.firstSeen, ctx);
}

/** IPv4 `located-at` its Country. Unknown or special country codes give no Location (and no error). */
function addLocation(item: GeolocationItem, ctx: Context): void {
  const country = lookupCountry(item.countryCode);
  if (!country) {
    ctx.skipped.push({
      kind: 'geolocation',
      value: item.countryCode,
      reason: 'not an assigned ISO 3166-1 country code',
    });
    return;
  }
  const location: StixObject = {
    type: 'location',
    spec_version: '2.1',
    id: locationId(country.name, 'Country'),
    created: ctx.now,
    modified: ctx.now,
    name: country.name,
    country: country.code,
    x_opencti_location_type: 'Country',
    created_by_ref: ctx.authorId,
    object_marking_refs: [ctx.markingId],
  };
  const region = nonEmpty(item.region);
  if (region) location.region = lookupSubdivisionName(country.code, region) ?? region;
  const city = nonEmpty(item.city);
  if (city) location.city = city;
  // STIX requires latitude and longitude together (the reference crashed on a lone one).
  if (isCoordinate(item.latitude, 90) && isCoordinate(item.longitude, 180)) {
    location.latitude = item.latitude;
    location.longitude = item.longitude;
  } else if (item.latitude !== undefined || item.longitude !== undefined) {
    ctx.skipped.push({
      kind: 'geolocation',
      value: `${String(item.latitude)},${String(item.longitude)}`,
      reason: 'coordinates incomplete or out of range; left out',
    });
  }
  if (addObject(location, 'locations', ctx)) addRelationship('located-at', ctx.entityId, location.id, undefined, ctx);
}

/** IPv4 `belongs-to` its autonomous system (`name` = ET's owner). */
function addAutonomousSystem(asn: AsnData, ctx: Context): void {
  if (!Number.isSafeInteger(asn.asn) || asn.asn < 0) {
    ctx.skipped.push({ kind: 'asn', value: String(asn.asn), reason: 'not an AS number' });
    return;
  }
  const as: StixObject = {
    type: 'autonomous-system',
    spec_version: '2.1',
    id: autonomousSystemId(asn.asn),
    number: asn.asn,
    object_marking_refs: [ctx.markingId],
    x_opencti_created_by_ref: ctx.authorId,
  };
  const owner = nonEmpty(asn.owner);
  if (owner) as.name = owner;
  if (addObject(as, 'asns', ctx)) addRelationship('belongs-to', ctx.entityId, as.id, undefined, ctx);
}

function makeObservable(type: 'ipv4-addr' | 'ipv6-addr' | 'domain-name', value: string, ctx: Context): StixObject {
  return {
    type,
    spec_version: '2.1',
    id: observableId(type, value),
    value,
    object_marking_refs: [ctx.markingId],
    x_opencti_created_by_ref: ctx.authorId,
  };
}

/**
 * Relationship with the deterministic id of (type, source, target); `start_time` (first_seen at
 * midnight UTC) is not part of the id, so a pair seen twice gives one relationship, the first kept.
 */
function addRelationship(
  type: string,
  sourceRef: string,
  targetRef: string,
  firstSeen: string | undefined,
  ctx: Context,
): void {
  const relationship: StixObject = {
    type: 'relationship',
    spec_version: '2.1',
    id: relationshipId(type, sourceRef, targetRef),
    created: ctx.now,
    modified: ctx.now,
    relationship_type: type,
    source_ref: sourceRef,
    target_ref: targetRef,
    created_by_ref: ctx.authorId,
    object_marking_refs: [ctx.markingId],
  };
  const startTime = firstSeen === undefined ? undefined : dayStart(firstSeen);
  if (startTime) relationship.start_time = startTime;
  addObject(relationship, 'relationships', ctx);
}

/**
 * Records a created object once (a repeated id keeps the first object and is not counted again).
 * False only when the object would stand for the enriched entity itself: it is never shadowed by a bare copy.
 */
function addObject(
  object: StixObject,
  kind: Exclude<keyof AddedCounts, 'labels' | 'hashes' | 'size'>,
  ctx: Context,
): boolean {
  if (object.id === ctx.entityId) return false;
  if (ctx.related.has(object.id)) return true;
  ctx.related.set(object.id, object);
  ctx.added[kind] += 1;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** `YYYY-MM-DD` -> `YYYY-MM-DDT00:00:00.000Z`, or undefined if it is not a real calendar date. */
function dayStart(date: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const startOfDay = `${date}T00:00:00.000Z`;
  const time = Date.parse(startOfDay);
  // Date.parse rolls 2026-02-30 over to March: a real date formats back to itself.
  return !Number.isNaN(time) && new Date(time).toISOString() === startOfDay ? startOfDay : undefined;
}

/** Any ISO 8601 instant -> STIX timestamp with millisecond precision and `Z`. */
function toStixTimestamp(iso: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) throw new RangeError(`buildEnrichmentObjects: invalid 'now' timestamp: ${iso}`);
  return instant.toISOString();
}

function isCoordinate(value: number | undefined, limit: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Deduplicates case-insensitively (OpenCTI labels are), keeping the first spelling and the order. */
function uniqueCaseInsensitive(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = v.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Drops `null` and `[]` values at any depth (the platform's export carries e.g. `granted_refs: []`).
 * Same effect as the stix2 library's serializer; keeps the object valid STIX (lists need one item).
 */
function withoutEmptyValues<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutEmptyValues) as T;
  const record = asRecord(value);
  if (!record) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record)) {
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[key] = withoutEmptyValues(v);
  }
  return out as T;
}
