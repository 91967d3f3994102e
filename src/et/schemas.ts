/**
 * zod schemas for what ET Intelligence sends: the envelope, and each item of each answer on its own.
 *
 * Items are validated one by one (see `endpoints.ts`) so that one odd item (a score of 0, an IPv6
 * address, an upper-case MD5) costs only itself, unlike the reference connector (et-intelligence.md
 * §5 #5). Each schema outputs the plain camelCase contract type from `shared/types.ts`; nothing past
 * this module sees ET's snake_case. Optional descriptive fields that are null, missing or malformed
 * are dropped rather than failing their item.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import type {
  AsnData,
  GeolocationItem,
  RelatedDomainItem,
  RelatedIpItem,
  RelatedSampleItem,
  ReputationItem,
  SampleDetails,
} from '../shared/types';

/** `{success, response, message?}`: the wrapper of every ET answer (et-intelligence.md §1.1). */
export const etEnvelopeSchema = z.object({
  success: z.boolean(),
  response: z.unknown(), // required: zod 4 reports a missing key even for z.unknown()
  message: z.string().nullish(),
});
export type EtEnvelope = z.infer<typeof etEnvelopeSchema>;

// ---------------------------------------------------------------------------------------------
// Field helpers

/** Quotes a value for an error reason, shortened: ET data is not secret but can be long. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `YYYY-MM-DD` from a date or a date-time (`2026-08-14 09:31:07`, `2026-08-14T09:31:07Z`): the date
 * part as written. Undefined when the text is not a real calendar date.
 */
export function toEtDate(value: string): string | undefined {
  const m = DATE_RE.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

const etDate = z.string().transform((v, ctx) => {
  const date = toEtDate(v);
  if (date === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a YYYY-MM-DD date: ${show(v)}` });
    return z.NEVER;
  }
  return date;
});

/**
 * Lower-cased domain name, or undefined when it does not look like one. Deliberately loose: labels
 * of letters (any script, so IDNs pass), digits, `_` and inner `-`; at least two labels; one
 * trailing dot tolerated. The reference connector's stricter regex dropped whole answers.
 */
export function normaliseDomain(value: string): string | undefined {
  let d = value.trim().normalize('NFC').toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.length === 0 || d.length > 253) return undefined;
  const labels = d.split('.');
  if (labels.length < 2) return undefined;
  const label = /^[\p{L}\p{N}_](?:[\p{L}\p{M}\p{N}_-]{0,61}[\p{L}\p{M}\p{N}_])?$/u;
  return labels.every((l) => label.test(l)) ? d : undefined;
}

const domainName = z.string().transform((v, ctx) => {
  const d = normaliseDomain(v);
  if (d === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a domain name: ${show(v)}` });
    return z.NEVER;
  }
  return d;
});

const MD5_RE = /^[0-9a-f]{32}$/i;
const SHA256_RE = /^[0-9a-f]{64}$/i;

const md5 = z.string().transform((v, ctx) => {
  const t = v.trim();
  if (!MD5_RE.test(t)) {
    ctx.addIssue({ code: 'custom', message: `not an MD5 (32 hex digits): ${show(v)}` });
    return z.NEVER;
  }
  return t.toLowerCase();
});

/** A number, or a string of digits (ET's JSON is not always typed the way its docs say). */
const numberish = z.union([z.number(), z.string().trim().regex(/^\d+$/, 'expected digits').transform(Number)]);

/** Optional text: kept trimmed when it is a non-empty string, otherwise dropped. */
const optText = z
  .unknown()
  .transform((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined))
  .optional(); // `.optional()` last, or zod 4 reports a missing key as an error

/** Optional finite number (or numeric string), otherwise dropped. */
const optNumber = z.unknown().transform((v) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}).optional();

/** Removes keys whose value is undefined, so results compare and serialise cleanly. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

// ---------------------------------------------------------------------------------------------
// Item schemas (one per endpoint)

/** `/ips|domains/{v}/reputation` item. Score 0..127 as documented; 0 is valid (reference bug §5 #6). */
export const reputationItemSchema = z
  .object({
    category: z.string().trim().min(1, 'empty category'),
    score: numberish.pipe(z.number().int('score must be an integer').min(0, 'score below 0').max(127, 'score above 127')),
  })
  .transform((r): ReputationItem => ({ category: r.category, score: r.score }));

/** `/ips/{ip}/domains` item. */
export const relatedDomainItemSchema = z
  .object({ domain: domainName, first_seen: etDate, last_seen: etDate })
  .transform((r): RelatedDomainItem => ({ domain: r.domain, firstSeen: r.first_seen, lastSeen: r.last_seen }));

const ipAddress = z.string().transform((v, ctx): { ip: string; version: 4 | 6 } => {
  const t = v.trim();
  if (isIPv4(t)) return { ip: t, version: 4 };
  if (isIPv6(t)) return { ip: t.toLowerCase(), version: 6 };
  ctx.addIssue({ code: 'custom', message: `not an IPv4 or IPv6 address: ${show(v)}` });
  return z.NEVER;
});

/** `/domains/{d}/ips` item. IPv6 values are kept and typed as version 6 (reference bug §5 #5). */
export const relatedIpItemSchema = z
  .object({ ip: ipAddress, first_seen: etDate, last_seen: etDate })
  .transform((r): RelatedIpItem => ({ ip: r.ip.ip, version: r.ip.version, firstSeen: r.first_seen, lastSeen: r.last_seen }));

/** `/ips|domains/{v}/samples` item: `source` is the sample's MD5, any case, returned lower-cased. */
export const relatedSampleItemSchema = z
  .object({ source: md5, first_seen: etDate, last_seen: etDate })
  .transform((r): RelatedSampleItem => ({ md5: r.source, firstSeen: r.first_seen, lastSeen: r.last_seen }));

const COUNTRY_CODE_RE = /^[A-Za-z]{2}$/;

/**
 * `/ips/{ip}/geoloc` item. Needs a 2-letter country code: `country_code`, or `country` when it holds
 * a code (older doc versions). Latitude and longitude are kept only as a valid pair, because STIX
 * rejects a Location with one without the other (et-intelligence.md §3).
 */
export const geolocationItemSchema = z
  .object({
    ip: optText,
    country_code: optText,
    country: optText,
    region: optText,
    city: optText,
    latitude: optNumber,
    longitude: optNumber,
  })
  .transform((r, ctx): GeolocationItem => {
    const codeInCountry = r.country !== undefined && COUNTRY_CODE_RE.test(r.country);
    const code = r.country_code !== undefined && COUNTRY_CODE_RE.test(r.country_code) ? r.country_code : codeInCountry ? r.country : undefined;
    if (code === undefined) {
      ctx.addIssue({ code: 'custom', path: ['country_code'], message: `not a 2-letter country code: ${show(r.country_code)}` });
      return z.NEVER;
    }
    const lat = r.latitude !== undefined && Math.abs(r.latitude) <= 90 ? r.latitude : undefined;
    const lon = r.longitude !== undefined && Math.abs(r.longitude) <= 180 ? r.longitude : undefined;
    const pair = lat !== undefined && lon !== undefined;
    return compact({
      ip: r.ip !== undefined && (isIPv4(r.ip) || isIPv6(r.ip)) ? r.ip : undefined,
      countryCode: code.toUpperCase(),
      country: codeInCountry && r.country_code === undefined ? undefined : r.country,
      region: r.region,
      city: r.city,
      latitude: pair ? lat : undefined,
      longitude: pair ? lon : undefined,
    });
  });

/** An AS number: a positive integer, a digit string, or `AS64500`-style text. */
const asNumber = z
  .union([z.number(), z.string().trim().regex(/^(?:AS)?\d+$/i, 'expected an AS number').transform((s) => Number(s.replace(/^AS/i, '')))])
  .pipe(z.number().int('asn must be an integer').min(1, 'asn must be positive').max(4294967295, 'asn above 2^32-1'));

/** `/ips/{ip}/asn` answer (an object, not a list; shape inferred, et-intelligence.md §1.3.5). */
export const asnSchema = z
  .object({
    asn: asNumber,
    owner: z.string().trim().min(1, 'empty owner'),
    authorizer: optText,
    country: optText,
    registration_date: optText,
    reverse_lookup: optText,
  })
  .transform(
    (r): AsnData =>
      compact({
        asn: r.asn,
        owner: r.owner,
        authorizer: r.authorizer,
        country: r.country,
        registrationDate: r.registration_date,
        reverseLookup: r.reverse_lookup,
      }),
  );

/**
 * `/samples/{md5}` answer (an object). Only `md5sum` is required; a malformed optional field
 * (`file_size: 0`, a bad sha256) is dropped instead of failing the answer (reference bug §5 #5).
 * `submit_date` is kept as sent when it is a date or date-time.
 */
export const sampleDetailsSchema = z
  .object({
    md5sum: md5,
    sha256: optText,
    file_size: z.unknown().optional(),
    file_type: optText,
    submit_date: optText,
  })
  .transform((r): SampleDetails => {
    const size = typeof r.file_size === 'number' ? r.file_size : typeof r.file_size === 'string' && /^\s*\d+\s*$/.test(r.file_size) ? Number(r.file_size) : Number.NaN;
    return compact({
      md5: r.md5sum,
      sha256: r.sha256 !== undefined && SHA256_RE.test(r.sha256) ? r.sha256.toLowerCase() : undefined,
      fileSize: Number.isSafeInteger(size) && size > 0 ? size : undefined,
      fileType: r.file_type,
      submitDate: r.submit_date !== undefined && toEtDate(r.submit_date) !== undefined ? r.submit_date : undefined,
    });
  });

/** One line naming each problem zod found, e.g. `score: score above 127; last_seen: not a YYYY-MM-DD date: "x"`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ` : '') + i.message).join('; ');
}
