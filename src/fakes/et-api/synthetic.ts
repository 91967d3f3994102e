/**
 * Synthetic ET answers for the demo/sandbox: any well-formed `ips/…`, `domains/…` or `samples/…`
 * path the connector asks for gets plausible data derived from the value alone (a hash seeds a
 * PRNG), with dates relative to the given day. Same value + same day = same bytes.
 *
 * All generated values stay in documentation ranges: example.com/.net/.org names, 192.0.2.0/24,
 * 198.51.100.0/24 and 203.0.113.0/24 addresses, private-use AS numbers.
 */
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { EtAnswer } from './fixtures';

const DAY_MS = 86_400_000;

const CATEGORIES = ['CnC', 'Bot', 'Scanner', 'Spam', 'DriveBySrc', 'EXE_Source', 'Brute_Forcer', 'Compromised', 'Drop', 'P2PCnC', 'Proxy', 'TorNode', 'DynDNS', 'SpywareCnC'];
const WORDS = ['cdn', 'mail', 'update', 'api', 'static', 'login', 'portal', 'files', 'sync', 'track', 'relay', 'edge'];
const TLDS = ['example.com', 'example.net', 'example.org'];
const IP_PREFIXES = ['192.0.2', '198.51.100', '203.0.113'];
const FILE_TYPES = ['PE32 executable (GUI) Intel 80386, for MS Windows', 'PE32+ executable (DLL) x86-64, for MS Windows', 'ELF 64-bit LSB executable, x86-64', 'Zip archive data, at least v2.0 to extract', 'Microsoft Word 2007+'];
/** [code, name, region (ISO 3166-2 suffix), city, latitude, longitude, RIR] */
const PLACES: ReadonlyArray<readonly [string, string, string, string, number, number, string]> = [
  ['US', 'United States', 'CA', 'San Jose', 37.34, -121.89, 'ARIN'],
  ['DE', 'Germany', 'BE', 'Berlin', 52.52, 13.405, 'RIPE'],
  ['NL', 'Netherlands', 'NH', 'Amsterdam', 52.37, 4.9, 'RIPE'],
  ['JP', 'Japan', '13', 'Tokyo', 35.68, 139.69, 'APNIC'],
  ['BR', 'Brazil', 'SP', 'Sao Paulo', -23.55, -46.63, 'LACNIC'],
  ['CA', 'Canada', 'ON', 'Toronto', 43.65, -79.38, 'ARIN'],
  ['ZA', 'South Africa', 'GP', 'Johannesburg', -26.2, 28.05, 'AFRINIC'],
];

/** Deterministic PRNG (mulberry32) seeded from a text. */
function rng(seed: string): () => number {
  let s = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (r: () => number, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}
const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** `count` first/last-seen pairs: all recent except, when there are 3 or more, one stale item. */
function seenDates(r: () => number, today: number, count: number): Array<{ first_seen: string; last_seen: string }> {
  return Array.from({ length: count }, (_, i) => {
    const stale = count >= 3 && i === count - 1;
    const last = today - (stale ? int(r, 60, 400) : int(r, 0, 20)) * DAY_MS;
    return { first_seen: ymd(last - int(r, 0, 120) * DAY_MS), last_seen: ymd(last) };
  });
}

const ok = (response: unknown): EtAnswer => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body: { success: true, response } });

function reputation(seed: string): EtAnswer {
  const r = rng(`${seed}:reputation`);
  const chosen = new Set<string>();
  const n = int(r, 1, 3);
  while (chosen.size < n) chosen.add(pick(r, CATEGORIES));
  return ok([...chosen].map((category) => ({ category, score: int(r, 1, 127) })));
}

function place(seed: string) {
  return pick(rng(`${seed}:place`), PLACES);
}

const ASCII_DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * The synthetic answer for a path relative to the base (`ips/198.51.100.7/asn`), or undefined when
 * the path is not one of the connector's nine well-formed requests (the fake then answers 404).
 * Only the ASCII form of a domain and a lower-case MD5 qualify, as with the real API.
 */
export function syntheticAnswer(path: string, now: Date): EtAnswer | undefined {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const parts = path.split('/');
  const [kind, value, suffix, extra] = parts;
  if (extra !== undefined || !value) return undefined;

  if (kind === 'samples' && suffix === undefined && /^[0-9a-f]{32}$/.test(value)) {
    const r = rng(`sample:${value}`);
    const submitted = today - int(r, 1, 300) * DAY_MS + int(r, 0, DAY_MS / 1000 - 1) * 1000;
    return ok({
      md5sum: value,
      submit_date: new Date(submitted).toISOString().slice(0, 19).replace('T', ' '),
      file_type: pick(r, FILE_TYPES),
      file_size: int(r, 8_192, 6_000_000),
      sha256: createHash('sha256').update(`synthetic:${value}`).digest('hex'),
    });
  }

  if (kind === 'ips' && isIPv4(value)) {
    const seed = `ip:${value}`;
    switch (suffix) {
      case 'reputation':
        return reputation(seed);
      case 'domains': {
        const r = rng(`${seed}:domains`);
        const dates = seenDates(r, today, int(r, 2, 4));
        return ok(dates.map((d, i) => ({ domain: `${pick(r, WORDS)}-${md5(`${seed}:d${i}`).slice(0, 4)}.${pick(r, TLDS)}`, ...d })));
      }
      case 'samples': {
        const r = rng(`${seed}:samples`);
        const dates = seenDates(r, today, int(r, 1, 3));
        return ok(dates.map((d, i) => ({ source: md5(`synthetic:${seed}:sample:${i}`), ...d })));
      }
      case 'geoloc': {
        const [code, country, region, city, latitude, longitude] = place(seed);
        return ok([{ ip: value, country_code: code, country, region, city, latitude, longitude }]);
      }
      case 'asn': {
        const r = rng(`${seed}:asn`);
        const [code, , , , , , rir] = place(seed);
        const asn = r() < 0.5 ? int(r, 64496, 64511) : int(r, 65536, 65551);
        return ok({ asn, owner: `EXAMPLE-${pick(r, WORDS).toUpperCase()}-AS`, authorizer: rir, country: code, reverse_lookup: `as${asn}.example.net` });
      }
      default:
        return undefined;
    }
  }

  if (kind === 'domains' && ASCII_DOMAIN.test(value)) {
    const seed = `domain:${value.toLowerCase()}`;
    switch (suffix) {
      case 'reputation':
        return reputation(seed);
      case 'ips': {
        const r = rng(`${seed}:ips`);
        const dates = seenDates(r, today, int(r, 1, 4));
        const ips = new Set<string>();
        while (ips.size < dates.length) ips.add(`${pick(r, IP_PREFIXES)}.${int(r, 1, 254)}`);
        return ok([...ips].map((ip, i) => ({ ip, ...dates[i] })));
      }
      case 'samples': {
        const r = rng(`${seed}:samples`);
        const dates = seenDates(r, today, int(r, 1, 3));
        return ok(dates.map((d, i) => ({ source: md5(`synthetic:${seed}:sample:${i}`), ...d })));
      }
      default:
        return undefined;
    }
  }
  return undefined;
}
