/**
 * Deterministic STIX ids, identical to the ones OpenCTI and pycti compute (protocol doc §5.3,
 * et-intelligence.md §2.8).
 *
 * Rule: `<type>--<UUIDv5(namespace 00abedb4-aa42-466c-9c01-fed23315a9b7, JCS(contributing properties))>`.
 * The platform recomputes standard ids on import, so using the same rule here means a re-run of an
 * enrichment upserts the same objects instead of creating duplicates.
 *
 * @module
 */
import { hash } from 'node:crypto';

/** The STIX 2.1 SCO namespace; OpenCTI and pycti use it for every object type. */
export const STIX_ID_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** A JSON value as it may appear in contributing properties. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no whitespace, strings and
 * numbers in ECMAScript `JSON.stringify` form (which is what JCS specifies for them).
 * Non-ASCII characters stay as they are (no `\u` escaping), as in JCS and in Python's stix2 canonicalizer.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    // JCS has no representation for these; JSON.stringify would silently write `null`.
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: cannot encode the number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Default sort compares UTF-16 code units, which is exactly the JCS ordering.
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`;
}

const namespaceBytes = new Map<string, Buffer>();

/** UUID version 5 (SHA-1, RFC 4122 §4.3) of `name` (UTF-8) in `namespace`. */
export function uuidV5(name: string, namespace: string = STIX_ID_NAMESPACE): string {
  let ns = namespaceBytes.get(namespace);
  if (!ns) {
    ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    if (ns.length !== 16) throw new TypeError(`uuidV5: invalid namespace ${namespace}`);
    namespaceBytes.set(namespace, ns);
  }
  // One-shot hash: ids are computed for every related object, up to hundreds of thousands per run.
  const bytes = hash('sha1', Buffer.concat([ns, Buffer.from(name, 'utf8')]), 'buffer');
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50; // version 5
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `<stixType>--<uuidv5 of the canonical JSON of data>`: the generic rule behind every helper below. */
export function deterministicId(stixType: string, data: { [key: string]: JsonValue }): string {
  return `${stixType}--${uuidV5(canonicalJson(data))}`;
}

/** Id of an observable whose only contributing property is `value` (not lower-cased, as in the platform). */
export function observableId(type: 'ipv4-addr' | 'ipv6-addr' | 'domain-name', value: string): string {
  return deterministicId(type, { value });
}

/** Hash algorithms in the order OpenCTI picks the single hash that identifies a file. */
export const FILE_ID_HASH_ORDER = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512', 'SHA3-256', 'SHA3-512', 'SSDEEP'] as const;

/**
 * Id of a `file` from its hashes: only ONE hash contributes, MD5 first, else SHA-1, SHA-256, SHA-512
 * (then SHA3-256, SHA3-512, SSDEEP). So a file with MD5 + SHA-256 has the same id as with MD5 alone.
 * @throws TypeError when none of these hashes is present (a file without hash is identified by name,
 *   which this connector never needs).
 */
export function fileId(hashes: Readonly<Record<string, string | undefined>>): string {
  for (const algorithm of FILE_ID_HASH_ORDER) {
    const value = hashes[algorithm];
    if (typeof value === 'string' && value !== '') return deterministicId('file', { hashes: { [algorithm]: value } });
  }
  throw new TypeError(`fileId: no usable hash among ${Object.keys(hashes).join(', ') || '(none)'}`);
}

/** Id of an `autonomous-system` from its number. */
export function autonomousSystemId(number: number): string {
  return deterministicId('autonomous-system', { number });
}

/** Id of an `identity` (pycti `Identity.generate_id`): name lower-cased and trimmed, class lower-cased. */
export function identityId(name: string, identityClass: string): string {
  return deterministicId('identity', { name: name.toLowerCase().trim(), identity_class: identityClass.toLowerCase() });
}

/** Id of a `location` (pycti `Location.generate_id`): name lower-cased and trimmed, plus the OpenCTI location type. */
export function locationId(name: string, locationType: 'Country' | 'Region' | 'City' | 'Administrative-Area'): string {
  return deterministicId('location', { name: name.toLowerCase().trim(), x_opencti_location_type: locationType });
}

/**
 * Id of a `relationship` (pycti `StixCoreRelationship.generate_id` without times). `start_time` is
 * deliberately left out, as the reference connector does, so one pair gives one relationship.
 */
export function relationshipId(relationshipType: string, sourceRef: string, targetRef: string): string {
  return deterministicId('relationship', {
    relationship_type: relationshipType,
    source_ref: sourceRef,
    target_ref: targetRef,
  });
}
