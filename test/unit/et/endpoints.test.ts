import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtClient } from '../../../src/et/client';
import { etPath, fetchEtCall, MAX_WHOLE_LIST_ITEMS, windowStartDate, type EtGetter, type FetchEtCallOptions } from '../../../src/et/endpoints';
import { EtApiError } from '../../../src/et/errors';
import { asnSchema, geolocationItemSchema, relatedDomainItemSchema, reputationItemSchema, sampleDetailsSchema, toEtDate } from '../../../src/et/schemas';
import { startFakeEtApi, type FakeEtApi } from '../../../src/fakes/et-api/server';
import { MAX_INVALID_DETAILS, type EtCall } from '../../../src/shared/types';
import { ET_API_KEY, ET_FIXTURES_DIR, readEtIndex, REFERENCE_NOW, WINDOW_MS } from '../../helpers/fixtures';

const OPTS: FetchEtCallOptions = { now: REFERENCE_NOW, windowMs: WINDOW_MS, cap: 1_000 };
const json = { 'Content-Type': 'application/json' };
const ok = (response: unknown) => ({ status: 200, headers: json, body: { success: true, response } });

/** A client stub answering one payload, for shape tests that need no HTTP. */
const stub = (payload: unknown): EtGetter => ({ get: async () => ({ kind: 'data', payload }) });

describe('etPath', () => {
  it.each<[EtCall, string, string]>([
    ['reputation', '198.51.100.23', 'ips/198.51.100.23/reputation'],
    ['relatedDomains', '198.51.100.23', 'ips/198.51.100.23/domains'],
    ['relatedSamples', '198.51.100.23', 'ips/198.51.100.23/samples'],
    ['geolocation', '198.51.100.23', 'ips/198.51.100.23/geoloc'],
    ['asn', '198.51.100.23', 'ips/198.51.100.23/asn'],
    ['reputation', 'payload-cdn.example.net', 'domains/payload-cdn.example.net/reputation'],
    ['relatedIps', 'payload-cdn.example.net', 'domains/payload-cdn.example.net/ips'],
    ['relatedSamples', 'xn--bckerei-mller-bfb28a.example', 'domains/xn--bckerei-mller-bfb28a.example/samples'],
    ['sampleDetails', '08d9f42e95558080483d28154e573c8f', 'samples/08d9f42e95558080483d28154e573c8f'],
  ])('%s(%s) -> %s', (call, value, expected) => {
    expect(etPath(call, value)).toBe(expected);
  });

  it('matches every request listed in the fixture index', () => {
    const index = readEtIndex();
    const callFor: Record<string, EtCall> = { reputation: 'reputation', domains: 'relatedDomains', ips: 'relatedIps', samples: 'relatedSamples', geoloc: 'geolocation', asn: 'asn' };
    for (const scenario of Object.values(index.scenarios)) {
      const value = scenario.observable.api_value ?? scenario.observable.value;
      for (const f of scenario.files) {
        const rel = f.request.replace(`GET ${index.base_path}`, '');
        const suffix = rel.split('/')[2];
        const call = suffix === undefined ? 'sampleDetails' : callFor[suffix];
        expect(call, rel).toBeDefined();
        expect(etPath(call as EtCall, value)).toBe(rel);
      }
    }
  });

  it('refuses values that would change the path, or the wrong kind of value', () => {
    expect(() => etPath('reputation', '')).toThrow(RangeError);
    expect(() => etPath('reputation', '198.51.100.1/../x')).toThrow(RangeError);
    expect(() => etPath('reputation', 'a.example?x=1')).toThrow(RangeError);
    expect(() => etPath('reputation', 'b%C3%A4.example')).toThrow(RangeError);
    expect(() => etPath('relatedDomains', 'example.com')).toThrow(RangeError);
    expect(() => etPath('relatedIps', '198.51.100.1')).toThrow(RangeError);
    expect(() => etPath('sampleDetails', 'not-an-md5')).toThrow(RangeError);
  });
});

describe('windowStartDate', () => {
  it('is the UTC date of now - window (compared as dates)', () => {
    expect(windowStartDate(REFERENCE_NOW, WINDOW_MS)).toBe('2026-07-21');
    expect(windowStartDate(new Date('2026-08-20T00:30:00+02:00'), 86_400_000)).toBe('2026-08-18');
  });
});

describe('fetchEtCall on every fixture scenario', () => {
  let fake: FakeEtApi;
  let client: EtClient;

  beforeAll(async () => {
    fake = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR });
    client = new EtClient({ baseUrl: fake.baseUrl, apiKey: ET_API_KEY, timeoutMs: 5_000 });
  });
  afterEach(() => {
    expect(fake.unexpected).toEqual([]);
    fake.reset();
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it('ip-rich: reputation in API order, 3 of 5 domains (boundary day kept), 3 of 4 samples, geoloc, asn', async () => {
    const ip = '198.51.100.23';
    const reputation = await fetchEtCall(client, 'reputation', ip, OPTS);
    expect(reputation).toEqual({
      items: [
        { category: 'CnC', score: 118 },
        { category: 'Bot', score: 64 },
        { category: 'Scanner', score: 12 },
      ],
      total: 3,
      outsideWindow: 0,
      overCap: 0,
      invalidCount: 0,
      invalid: [],
    });

    const domains = await fetchEtCall(client, 'relatedDomains', ip, OPTS);
    expect(domains.items).toEqual([
      { domain: 'cdn-7.example.com', firstSeen: '2026-07-30', lastSeen: '2026-08-19' },
      { domain: 'update.example.net', firstSeen: '2026-06-02', lastSeen: '2026-08-18' },
      { domain: 'mail.example.org', firstSeen: '2026-05-11', lastSeen: '2026-07-21' },
    ]);
    expect(domains).toMatchObject({ total: 5, outsideWindow: 2, overCap: 0, invalid: [] });

    const samples = await fetchEtCall(client, 'relatedSamples', ip, OPTS);
    expect(samples.items.map((s) => s.md5)).toEqual(['c4c76bb048796a891fba34a884764a17', '0aa4d2a540275d39ae9c13350f3cb87b', '06c50e4386c0b9d8d3347cf2f22f996e']);
    expect(samples).toMatchObject({ total: 4, outsideWindow: 1, overCap: 0 });

    const geo = await fetchEtCall(client, 'geolocation', ip, OPTS);
    expect(geo.items).toEqual([{ ip, countryCode: 'DE', country: 'Germany', region: 'BE', city: 'Berlin', latitude: 52.52, longitude: 13.405 }]);

    expect(await fetchEtCall(client, 'asn', ip, OPTS)).toEqual({
      asn: 64502,
      owner: 'EXAMPLE-TRANSIT-AS',
      authorizer: 'RIPE',
      country: 'DE',
      registrationDate: '2004-03-15',
      reverseLookup: 'as64502.example.net',
    });
    expect(fake.requests).toHaveLength(5);
  });

  it('ip-unknown: empty lists and a null asn', async () => {
    const empty = { items: [], total: 0, outsideWindow: 0, overCap: 0, invalidCount: 0, invalid: [] };
    for (const call of ['reputation', 'relatedDomains', 'relatedSamples', 'geolocation'] as const) {
      expect(await fetchEtCall(client, call, '192.0.2.44', OPTS)).toEqual(empty);
    }
    expect(await fetchEtCall(client, 'asn', '192.0.2.44', OPTS)).toBeNull();
  });

  it('ip-partial: geoloc fails as unavailable, asn 404 is null, the rest is fine', async () => {
    const err = await fetchEtCall(client, 'geolocation', '203.0.113.61', OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtApiError);
    expect((err as EtApiError).code).toBe('unavailable');
    expect(await fetchEtCall(client, 'asn', '203.0.113.61', OPTS)).toBeNull();
    expect((await fetchEtCall(client, 'reputation', '203.0.113.61', OPTS)).items).toEqual([{ category: 'Spam', score: 40 }]);
    expect((await fetchEtCall(client, 'relatedDomains', '203.0.113.61', OPTS)).items).toHaveLength(1);
    expect((await fetchEtCall(client, 'relatedSamples', '203.0.113.61', OPTS)).items).toHaveLength(1);
  });

  it('ip-ratelimited: the first reputation call is rate-limited, the second succeeds', async () => {
    const err = await fetchEtCall(client, 'reputation', '198.51.100.90', OPTS).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'rate-limited', retryAfterMs: 30_000 });
    expect((await fetchEtCall(client, 'reputation', '198.51.100.90', OPTS)).items.map((r) => r.category)).toEqual(['Scanner', 'Brute_Forcer']);
    expect(await fetchEtCall(client, 'asn', '198.51.100.90', OPTS)).toEqual({ asn: 64503, owner: 'EXAMPLE-HOSTING-AS', authorizer: 'ARIN', country: 'US' });
  });

  it('auth-failed: every call throws auth', async () => {
    for (const call of ['reputation', 'relatedDomains', 'relatedSamples', 'geolocation', 'asn'] as const) {
      await expect(fetchEtCall(client, call, '203.0.113.200', OPTS)).rejects.toMatchObject({ code: 'auth', status: 401 });
    }
  });

  it('domain-rich: keeps the IPv6 item as version 6 and drops 192.0.2.77 (outside the window)', async () => {
    const ips = await fetchEtCall(client, 'relatedIps', 'payload-cdn.example.net', OPTS);
    expect(ips.items).toEqual([
      { ip: '203.0.113.14', version: 4, firstSeen: '2026-08-01', lastSeen: '2026-08-19' },
      { ip: '2001:db8:4f::25', version: 6, firstSeen: '2026-08-10', lastSeen: '2026-08-18' },
      { ip: '198.51.100.201', version: 4, firstSeen: '2026-07-02', lastSeen: '2026-08-05' },
    ]);
    expect(ips).toMatchObject({ total: 4, outsideWindow: 1, overCap: 0, invalid: [] });
    const samples = await fetchEtCall(client, 'relatedSamples', 'payload-cdn.example.net', OPTS);
    expect(samples.items.map((s) => s.md5)).toEqual(['d205a2cdec181d4c1f3a3631257afe7b', '24be73dfeaa83443b18679f21bbd64b1']);
    expect((await fetchEtCall(client, 'reputation', 'payload-cdn.example.net', OPTS)).items.map((r) => r.category)).toEqual(['DriveBySrc', 'EXE_Source']);
  });

  it('domain-idn: the ASCII form is answered', async () => {
    const value = 'xn--bckerei-mller-bfb28a.example';
    expect((await fetchEtCall(client, 'reputation', value, OPTS)).items).toEqual([{ category: 'Spam', score: 31 }]);
    expect((await fetchEtCall(client, 'relatedIps', value, OPTS)).items.map((i) => i.ip)).toEqual(['203.0.113.40', '198.51.100.12']);
    expect((await fetchEtCall(client, 'relatedSamples', value, OPTS)).items).toHaveLength(1);
  });

  it('file-md5: sample details mapped to camelCase; file-unknown (404) is null', async () => {
    expect(await fetchEtCall(client, 'sampleDetails', '08d9f42e95558080483d28154e573c8f', OPTS)).toEqual({
      md5: '08d9f42e95558080483d28154e573c8f',
      sha256: 'f82ca897b3b59ac54c79a9f0b84d667993c93c51a8a2276a6aa600a896d116bd',
      fileSize: 482304,
      fileType: 'PE32 executable (GUI) Intel 80386, for MS Windows',
      submitDate: '2026-08-14 09:31:07',
    });
    expect(await fetchEtCall(client, 'sampleDetails', '3d63d25f3657dacd38a010684fab07bc', OPTS)).toBeNull();
  });

  it('keeps a reputation score of 0 and digit strings; drops only the bad item', async () => {
    fake.setAnswers('ips/192.0.2.50/reputation', [
      ok([
        { category: 'Scanner', score: 0 },
        { category: 'Bot', score: '42' },
        { category: 'CnC', score: 128 },
        { category: 'Spam', score: 7 },
      ]),
    ]);
    const rep = await fetchEtCall(client, 'reputation', '192.0.2.50', OPTS);
    expect(rep.items).toEqual([
      { category: 'Scanner', score: 0 },
      { category: 'Bot', score: 42 },
      { category: 'Spam', score: 7 },
    ]);
    expect(rep.total).toBe(3);
    expect(rep.invalid).toHaveLength(1);
    expect(rep.invalid[0]?.index).toBe(2);
    expect(rep.invalid[0]?.reason).toContain('score');
  });

  it('lower-cases an upper-case MD5, and one bad item costs only itself', async () => {
    fake.setAnswers('ips/192.0.2.51/samples', [
      ok([
        { source: '06C50E4386C0B9D8D3347CF2F22F996E', first_seen: '2026-08-11', last_seen: '2026-08-12' },
        { source: 'not-a-hash', first_seen: '2026-08-11', last_seen: '2026-08-12' },
        { source: 'c4c76bb048796a891fba34a884764a17', first_seen: '2026-08-19', last_seen: 'yesterday' },
        { source: '0aa4d2a540275d39ae9c13350f3cb87b', first_seen: '2026-07-25', last_seen: '2026-08-16T00:00:00Z' },
      ]),
    ]);
    const samples = await fetchEtCall(client, 'relatedSamples', '192.0.2.51', OPTS);
    expect(samples.items).toEqual([
      { md5: '0aa4d2a540275d39ae9c13350f3cb87b', firstSeen: '2026-07-25', lastSeen: '2026-08-16' },
      { md5: '06c50e4386c0b9d8d3347cf2f22f996e', firstSeen: '2026-08-11', lastSeen: '2026-08-12' },
    ]);
    expect(samples.invalid.map((d) => d.index)).toEqual([1, 2]);
    expect(samples.invalid[0]?.reason).toMatch(/^source: not an MD5/);
    expect(samples.invalid[1]?.reason).toMatch(/^last_seen: not a YYYY-MM-DD date/);
    expect(samples.total).toBe(2);
  });

  it('normalises sample details: upper-case hashes lower-cased, file_size 0 dropped (not the answer)', async () => {
    fake.setAnswers('samples/08d9f42e95558080483d28154e573c8a', [
      ok({ md5sum: '08D9F42E95558080483D28154E573C8A', sha256: 'F82CA897B3B59AC54C79A9F0B84D667993C93C51A8A2276A6AA600A896D116BD', file_size: 0, file_type: null }),
    ]);
    expect(await fetchEtCall(client, 'sampleDetails', '08d9f42e95558080483d28154e573c8a', OPTS)).toEqual({
      md5: '08d9f42e95558080483d28154e573c8a',
      sha256: 'f82ca897b3b59ac54c79a9f0b84d667993c93c51a8a2276a6aa600a896d116bd',
    });
  });

  it('caps most recent first and reports overCap and outsideWindow', async () => {
    fake.setAnswers('domains/cap.example.com/ips', [
      ok([
        { ip: '192.0.2.1', first_seen: '2026-07-01', last_seen: '2026-07-22' },
        { ip: '192.0.2.2', first_seen: '2026-07-01', last_seen: '2026-08-20' },
        { ip: '192.0.2.3', first_seen: '2026-07-01', last_seen: '2026-07-20' },
        { ip: '192.0.2.4', first_seen: '2026-07-01', last_seen: '2026-08-01' },
        { ip: '192.0.2.5', first_seen: '2026-07-01', last_seen: '2026-08-19' },
        { ip: 'fe80::zz', first_seen: '2026-07-01', last_seen: '2026-08-19' },
      ]),
    ]);
    const ips = await fetchEtCall(client, 'relatedIps', 'cap.example.com', { ...OPTS, cap: 2 });
    expect(ips.items.map((i) => i.ip)).toEqual(['192.0.2.2', '192.0.2.5']);
    expect(ips).toMatchObject({ total: 5, outsideWindow: 1, overCap: 2 });
    expect(ips.invalid).toEqual([{ index: 5, reason: expect.stringContaining('not an IPv4 or IPv6 address') }]);
  });

  it('does not window or cap reputation and geolocation', async () => {
    fake.setAnswers('ips/192.0.2.52/reputation', [ok([1, 2, 3, 4].map((n) => ({ category: `C${n}`, score: n })))]);
    const rep = await fetchEtCall(client, 'reputation', '192.0.2.52', { ...OPTS, cap: 1 });
    expect(rep.items).toHaveLength(4);
    expect(rep.overCap).toBe(0);
  });

  it('bounds what a runaway answer puts in the history: 1,000 reputation categories, 20 described invalid items', async () => {
    fake.setAnswers('ips/192.0.2.54/reputation', [ok(Array.from({ length: 5000 }, (_, n) => ({ category: `C${n}`, score: n % 128 })))]);
    const rep = await fetchEtCall(client, 'reputation', '192.0.2.54', OPTS);
    expect(rep.items).toHaveLength(MAX_WHOLE_LIST_ITEMS);
    expect(rep).toMatchObject({ total: 5000, overCap: 5000 - MAX_WHOLE_LIST_ITEMS });

    const broken = Array.from({ length: 30_000 }, () => ({ source: 'not-an-md5', first_seen: '2026-08-01', last_seen: '2026-08-19' }));
    fake.setAnswers('ips/192.0.2.54/samples', [ok([{ source: 'c4c76bb048796a891fba34a884764a17', first_seen: '2026-08-01', last_seen: '2026-08-19' }, ...broken])]);
    const samples = await fetchEtCall(client, 'relatedSamples', '192.0.2.54', OPTS);
    expect(samples.items).toHaveLength(1);
    expect(samples.invalidCount).toBe(30_000);
    expect(samples.invalid).toHaveLength(MAX_INVALID_DETAILS);
    expect(samples.invalid[0]).toMatchObject({ index: 1, reason: expect.stringMatching(/^source: not an MD5/) });
    expect(JSON.stringify(samples).length).toBeLessThan(10_000);
  });

  it('throws invalid-response when a list call gets an object, or an object call fails validation', async () => {
    fake.setAnswers('ips/192.0.2.53/domains', [ok({ 'a.example.com': ['2026-08-01 - 2026-08-02'] })]);
    fake.setAnswers('ips/192.0.2.53/asn', [ok({ asn: 'ASX', owner: 'X' })]);
    await expect(fetchEtCall(client, 'relatedDomains', '192.0.2.53', OPTS)).rejects.toMatchObject({ code: 'invalid-response', path: 'ips/192.0.2.53/domains' });
    await expect(fetchEtCall(client, 'asn', '192.0.2.53', OPTS)).rejects.toMatchObject({ code: 'invalid-response', path: 'ips/192.0.2.53/asn' });
  });
});

describe('fetchEtCall on the generated big-domain scenario', () => {
  let dir: string;
  let fake: FakeEtApi;
  let client: EtClient;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'et-big-domain-'));
    execFileSync(process.execPath, [path.join(ET_FIXTURES_DIR, 'big-domain', 'generate.mjs'), dir]);
    fake = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['big-domain'], bigDomainDir: dir });
    client = new EtClient({ baseUrl: fake.baseUrl, apiKey: ET_API_KEY, timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await client?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates 50,000 IPs and keeps the 500 most recent', async () => {
    const ips = await fetchEtCall(client, 'relatedIps', 'mirror-farm.example.com', { ...OPTS, cap: 500 });
    expect(ips).toMatchObject({ total: 50_000, outsideWindow: 0, overCap: 49_500, invalid: [] });
    expect(ips.items).toHaveLength(500);
    const dates = ips.items.map((i) => i.lastSeen);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(dates[0]).toBe('2026-08-20');
    expect(fake.unexpected).toEqual([]);
  });
});

describe('item schemas', () => {
  it('reads dates and date-times as dates', () => {
    expect(toEtDate('2026-07-21')).toBe('2026-07-21');
    expect(toEtDate('2026-07-21 10:20:30')).toBe('2026-07-21');
    expect(toEtDate('2026-07-21T23:59:59.5+02:00')).toBe('2026-07-21');
    expect(toEtDate('2026-02-30')).toBeUndefined();
    expect(toEtDate('21/07/2026')).toBeUndefined();
  });

  it('loosely validates and lower-cases domains (IDN and punycode allowed)', () => {
    const parse = (domain: unknown) => relatedDomainItemSchema.safeParse({ domain, first_seen: '2026-08-01', last_seen: '2026-08-02' });
    expect(parse('CDN-7.Example.COM').data?.domain).toBe('cdn-7.example.com');
    expect(parse('xn--bckerei-mller-bfb28a.example').success).toBe(true);
    expect(parse('bäckerei-müller.example').data?.domain).toBe('bäckerei-müller.example');
    expect(parse('_dmarc.example.org.').data?.domain).toBe('_dmarc.example.org');
    for (const bad of ['localhost', 'a..example.com', '-a.example.com', 'a b.example.com', '', 42]) expect(parse(bad).success, String(bad)).toBe(false);
  });

  it('accepts null or missing optional fields', () => {
    expect(asnSchema.parse({ asn: 'AS64500', owner: 'EXAMPLE-AS', authorizer: null })).toEqual({ asn: 64500, owner: 'EXAMPLE-AS' });
    expect(asnSchema.safeParse({ asn: 0, owner: 'X' }).success).toBe(false);
    expect(sampleDetailsSchema.parse({ md5sum: '00112233445566778899aabbccddeeff' })).toEqual({ md5: '00112233445566778899aabbccddeeff' });
    expect(reputationItemSchema.safeParse({ category: 'CnC', score: 1.5 }).success).toBe(false);
  });

  it('geolocation: needs a country code, keeps coordinates only as a pair', () => {
    expect(geolocationItemSchema.parse({ ip: '198.51.100.10', country_code: 'us', latitude: 37.2 })).toEqual({ ip: '198.51.100.10', countryCode: 'US' });
    // Older doc versions: `country` holds the code.
    expect(geolocationItemSchema.parse({ country: 'FR', region: 'IDF' })).toEqual({ countryCode: 'FR', region: 'IDF' });
    expect(geolocationItemSchema.safeParse({ country: 'France' }).success).toBe(false);
  });

  it('gives a readable reason when a stub answers the wrong shape', async () => {
    await expect(fetchEtCall(stub('nope'), 'reputation', '192.0.2.1', OPTS)).rejects.toThrow(/expected a list/);
  });
});
