/**
 * The seven ET calls this connector makes: their paths (et-intelligence.md §1.3) and how each answer
 * becomes a contract result (per-item validation, last-seen window, most-recent-first cap).
 */
import { isIP } from 'node:net';
import type { z } from 'zod';
import type {
  AsnData,
  DroppedItem,
  EtCall,
  EtListResult,
  GeolocationItem,
  RelatedDomainItem,
  RelatedIpItem,
  RelatedSampleItem,
  ReputationItem,
  SampleDetails,
} from '../shared/types';
import { MAX_INVALID_DETAILS } from '../shared/types';
import type { EtClient } from './client';
import { EtApiError } from './errors';
import {
  asnSchema,
  describeIssues,
  geolocationItemSchema,
  relatedDomainItemSchema,
  relatedIpItemSchema,
  relatedSampleItemSchema,
  reputationItemSchema,
  sampleDetailsSchema,
} from './schemas';

/** What each call resolves to. */
export interface EtCallResultMap {
  reputation: EtListResult<ReputationItem>;
  relatedDomains: EtListResult<RelatedDomainItem>;
  relatedIps: EtListResult<RelatedIpItem>;
  relatedSamples: EtListResult<RelatedSampleItem>;
  geolocation: EtListResult<GeolocationItem>;
  asn: AsnData | null;
  sampleDetails: SampleDetails | null;
}
/** The result type of call `C` (all calls' results when `C` is left open). */
export type EtCallResult<C extends EtCall = EtCall> = EtCallResultMap[C];

/** Only `get` is needed, so tests can pass a stub. */
export type EtGetter = Pick<EtClient, 'get'>;

export interface FetchEtCallOptions {
  /** The clock for the last-seen window (injected; tests use the fixtures' reference time). */
  now: Date;
  /** Last-seen window; items last seen before the UTC date of `now - windowMs` are dropped. */
  windowMs: number;
  /** Most items kept per related-object list, after the window, most recent first. */
  cap: number;
  signal?: AbortSignal;
}

/** Characters that would change the meaning of the path if a value carried them. */
const UNSAFE_VALUE = /[\s/?#%\\]/;

/**
 * Path of `call` for `value`, relative to the base URL: e.g. `ips/198.51.100.23/reputation`,
 * `domains/<d>/ips`, `samples/<md5>`. No trailing slash, no query. The value is used as is
 * (callers pass the ASCII form of a domain and the lower-case MD5), so it must not contain
 * `/ ? # % \` or spaces; a value of the wrong kind for the call throws a RangeError (a caller bug).
 */
export function etPath(call: EtCall, value: string): string {
  if (value === '' || UNSAFE_VALUE.test(value)) throw new RangeError(`Unusable value for ET ${call}: ${JSON.stringify(value)}`);
  const ip = isIP(value) !== 0;
  const needs = (wanted: boolean, kind: string) => {
    if (!wanted) throw new RangeError(`ET ${call} needs ${kind}, got ${JSON.stringify(value)}`);
  };
  switch (call) {
    case 'reputation':
      return `${ip ? 'ips' : 'domains'}/${value}/reputation`;
    case 'relatedSamples':
      return `${ip ? 'ips' : 'domains'}/${value}/samples`;
    case 'relatedDomains':
      needs(ip, 'an IP address');
      return `ips/${value}/domains`;
    case 'geolocation':
      needs(ip, 'an IP address');
      return `ips/${value}/geoloc`;
    case 'asn':
      needs(ip, 'an IP address');
      return `ips/${value}/asn`;
    case 'relatedIps':
      needs(!ip, 'a domain name');
      return `domains/${value}/ips`;
    case 'sampleDetails':
      needs(/^[0-9a-f]{32}$/i.test(value), 'an MD5');
      return `samples/${value}`;
  }
}

/** Validates each element of a list payload on its own; bad ones are reported, not fatal. */
function validateItems<T>(schema: z.ZodType<T>, payload: unknown, path: string): Validated<T> {
  if (!Array.isArray(payload)) {
    throw EtApiError.invalidResponse(path, `expected a list in "response", got ${payload === null ? 'null' : typeof payload}`);
  }
  const valid: T[] = [];
  const invalid: DroppedItem[] = [];
  let invalidCount = 0;
  payload.forEach((item, index) => {
    const parsed = schema.safeParse(item);
    if (parsed.success) valid.push(parsed.data);
    else if (++invalidCount <= MAX_INVALID_DETAILS) invalid.push({ index, reason: describeIssues(parsed.error) });
  });
  return { valid, invalid, invalidCount };
}

interface Validated<T> {
  valid: T[];
  invalid: DroppedItem[];
  invalidCount: number;
}

function emptyList<T>(): EtListResult<T> {
  return { items: [], total: 0, outsideWindow: 0, overCap: 0, invalidCount: 0, invalid: [] };
}

/** UTC date (`YYYY-MM-DD`) of the oldest last-seen day kept: dates are compared as dates, not instants. */
export function windowStartDate(now: Date, windowMs: number): string {
  return new Date(now.getTime() - windowMs).toISOString().slice(0, 10);
}

/**
 * Window, sort and cap for related objects: keep items last seen on or after the window's first day,
 * most recent `lastSeen` first (ties keep ET's order), then at most `cap` of them.
 */
function windowAndCap<T extends { lastSeen: string }>({ valid, invalid, invalidCount }: Validated<T>, opts: FetchEtCallOptions): EtListResult<T> {
  const since = windowStartDate(opts.now, opts.windowMs);
  // ISO dates compare correctly as strings.
  const inWindow = valid.filter((item) => item.lastSeen >= since);
  inWindow.sort((a, b) => (a.lastSeen === b.lastSeen ? 0 : a.lastSeen > b.lastSeen ? -1 : 1));
  const cap = Math.max(0, Math.floor(opts.cap));
  const items = inWindow.length > cap ? inWindow.slice(0, cap) : inWindow;
  return { items, total: valid.length, outsideWindow: valid.length - inWindow.length, overCap: inWindow.length - items.length, invalidCount, invalid };
}

/**
 * Reputation categories and geolocations are not windowed nor cut by the operator's cap: ET has a few
 * dozen categories and one location per address. A runaway answer is still bounded, because every
 * result travels through Temporal's history.
 */
export const MAX_WHOLE_LIST_ITEMS = 1_000;

function whole<T>({ valid, invalid, invalidCount }: Validated<T>): EtListResult<T> {
  const items = valid.length > MAX_WHOLE_LIST_ITEMS ? valid.slice(0, MAX_WHOLE_LIST_ITEMS) : valid;
  return { items, total: valid.length, outsideWindow: 0, overCap: valid.length - items.length, invalidCount, invalid };
}

async function fetchList<T>(client: EtGetter, path: string, schema: z.ZodType<T>, signal: AbortSignal | undefined): Promise<Validated<T> | null> {
  const answer = await client.get(path, signal);
  return answer.kind === 'no-data' ? null : validateItems(schema, answer.payload, path);
}

async function fetchObject<T>(client: EtGetter, path: string, schema: z.ZodType<T>, signal: AbortSignal | undefined): Promise<T | null> {
  const answer = await client.get(path, signal);
  if (answer.kind === 'no-data') return null;
  const parsed = schema.safeParse(answer.payload);
  if (!parsed.success) throw EtApiError.invalidResponse(path, `unexpected answer shape (${describeIssues(parsed.error)})`);
  return parsed.data;
}

/**
 * Makes one ET call for `value` and returns its contract result: a list result for list calls
 * (related domains/IPs/samples windowed and capped; reputation and geolocation kept whole, up to MAX_WHOLE_LIST_ITEMS), an
 * object or null (ET has nothing) for `asn` and `sampleDetails`. Throws {@link EtApiError} when the
 * call fails or the answer has the wrong overall shape; single bad list items only land in `invalid`.
 */
export async function fetchEtCall<C extends EtCall>(client: EtGetter, call: C, value: string, opts: FetchEtCallOptions): Promise<EtCallResult<C>> {
  return (await fetchAny(client, call, value, opts)) as EtCallResult<C>;
}

async function fetchAny(client: EtGetter, call: EtCall, value: string, opts: FetchEtCallOptions): Promise<EtCallResult> {
  const path = etPath(call, value);
  const { signal } = opts;
  switch (call) {
    case 'reputation': {
      const r = await fetchList(client, path, reputationItemSchema, signal);
      return r ? whole(r) : emptyList<ReputationItem>();
    }
    case 'geolocation': {
      const r = await fetchList(client, path, geolocationItemSchema, signal);
      return r ? whole(r) : emptyList<GeolocationItem>();
    }
    case 'relatedDomains': {
      const r = await fetchList(client, path, relatedDomainItemSchema, signal);
      return r ? windowAndCap(r, opts) : emptyList<RelatedDomainItem>();
    }
    case 'relatedIps': {
      const r = await fetchList(client, path, relatedIpItemSchema, signal);
      return r ? windowAndCap(r, opts) : emptyList<RelatedIpItem>();
    }
    case 'relatedSamples': {
      const r = await fetchList(client, path, relatedSampleItemSchema, signal);
      return r ? windowAndCap(r, opts) : emptyList<RelatedSampleItem>();
    }
    case 'asn':
      return fetchObject(client, path, asnSchema, signal);
    case 'sampleDetails':
      return fetchObject(client, path, sampleDetailsSchema, signal);
  }
}
