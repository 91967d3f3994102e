import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtClient } from '../../../src/et/client';
import { fetchEtCall } from '../../../src/et/endpoints';
import { startFakeEtApi, type FakeEtApi } from '../../../src/fakes/et-api/server';
import { ET_CALLS } from '../../../src/shared/types';
import { ET_API_KEY, ET_FIXTURES_DIR, readEtAnswer, readEtIndex, REFERENCE_NOW, WINDOW_MS } from '../../helpers/fixtures';

/** GET (or another method) on a raw target, returning status, headers and body text. */
async function raw(fake: FakeEtApi, target: string, opts: { key?: string | null; method?: 'GET' | 'POST' | 'HEAD' | 'DELETE' } = {}) {
  const headers: Record<string, string> = {};
  if (opts.key !== null) headers.authorization = opts.key ?? ET_API_KEY;
  const res = await request(`http://127.0.0.1:${fake.port}${target}`, { method: opts.method ?? 'GET', headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

describe('fake ET API: fixture scenarios', () => {
  let fake: FakeEtApi;

  beforeAll(async () => {
    fake = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await fake.close();
  });

  it('serves all non-generated scenarios by default, on a /v1/ base URL', () => {
    expect(fake.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/$/);
    const generated = Object.entries(readEtIndex().scenarios)
      .filter(([, s]) => s.files.some((f) => f.generated))
      .map(([name]) => name);
    expect(fake.scenarios).toEqual(Object.keys(readEtIndex().scenarios).filter((n) => !generated.includes(n)));
  });

  it('answers every first-call request of the index with its file: status, headers, JSON.stringify(body)', async () => {
    const index = readEtIndex();
    for (const name of fake.scenarios) {
      for (const f of index.scenarios[name]?.files ?? []) {
        if ((f.call_number ?? 1) !== 1) continue;
        const stored = readEtAnswer<{ status: number; headers: Record<string, string>; body: unknown }>(name, f.file);
        const res = await raw(fake, f.request.replace(/^GET /, ''));
        expect(res.status, f.request).toBe(stored.status);
        expect(res.headers['content-type']).toBe('application/json');
        expect(res.text).toBe(JSON.stringify(stored.body));
        for (const [h, v] of Object.entries(stored.headers)) expect(res.headers[h.toLowerCase()]).toBe(v);
      }
    }
    expect(fake.unexpected).toEqual([]);
  });

  it('records requests with method, path, raw target and authorization', async () => {
    await raw(fake, '/v1/ips/198.51.100.23/asn');
    expect(fake.requests).toEqual([{ method: 'GET', path: 'ips/198.51.100.23/asn', target: '/v1/ips/198.51.100.23/asn', authorized: true, at: expect.any(Number) }]);
    expect(fake.count('ips/198.51.100.23/asn')).toBe(1);
    expect(fake.count('/v1/ips/198.51.100.23/asn')).toBe(1);
    expect(fake.count('GET /v1/ips/198.51.100.23/asn')).toBe(1);
    expect(fake.count('ips/198.51.100.23/geoloc')).toBe(0);
  });

  it('ip-ratelimited: numbered files answer successive calls, the last one repeats', async () => {
    const target = '/v1/ips/198.51.100.90/reputation';
    const first = await raw(fake, target);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('30');
    expect(first.json()).toEqual({ success: false, message: 'Rate limit exceeded', response: {} });
    const second = await raw(fake, target);
    expect(second.status).toBe(200);
    const third = await raw(fake, target);
    expect(third.status).toBe(200);
    expect(third.text).toBe(second.text);
    expect(fake.count(target)).toBe(3);
    // reset() restarts the sequence.
    fake.reset();
    expect((await raw(fake, target)).status).toBe(429);
  });

  it('unknown paths get 404 and are recorded as unexpected (trailing slash, query, IDN Unicode form)', async () => {
    const targets = [
      '/v1/ips/198.51.100.99/reputation',
      '/v1/ips/198.51.100.23/reputation/',
      '/v1/ips/198.51.100.23/reputation?x=1',
      '/v1/domains/b%C3%A4ckerei-m%C3%BCller.example/reputation',
      '/v2/ips/198.51.100.23/reputation',
    ];
    for (const t of targets) {
      const res = await raw(fake, t);
      expect(res.status, t).toBe(404);
      expect(res.json()).toEqual({ success: false, message: 'Not Found', response: {} });
      expect(res.headers['content-type']).toBe('application/json');
    }
    expect(fake.unexpected.map((r) => r.target)).toEqual(targets);
  });

  it('answers 401 to a missing or wrong key (not counted as unexpected)', async () => {
    const missing = await raw(fake, '/v1/ips/198.51.100.23/reputation', { key: null });
    const wrong = await raw(fake, '/v1/ips/198.51.100.23/reputation', { key: `Bearer ${ET_API_KEY}` });
    for (const res of [missing, wrong]) {
      expect(res.status).toBe(401);
      expect(res.json()).toEqual({ success: false, message: 'Unauthorized', response: {} });
    }
    expect(fake.requests.map((r) => r.authorized)).toEqual([false, false]);
    expect(fake.unexpected).toEqual([]);
    // Refused calls do not consume numbered answers.
    await raw(fake, '/v1/ips/198.51.100.90/reputation', { key: 'nope' });
    expect((await raw(fake, '/v1/ips/198.51.100.90/reputation')).status).toBe(429);
  });

  it('allows only GET', async () => {
    const res = await raw(fake, '/v1/ips/198.51.100.23/reputation', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expect(fake.unexpected).toHaveLength(1);
  });

  it('setAnswers injects answers (raw_body, headers, repeats) over the fixtures', async () => {
    fake.setAnswers('GET /v1/ips/198.51.100.23/asn', [
      { status: 503, headers: { 'Retry-After': '5' }, raw_body: 'busy' },
      { status: 200, headers: { 'Content-Type': 'application/json' }, body: { success: true, response: {} } },
    ]);
    const a = await raw(fake, '/v1/ips/198.51.100.23/asn');
    expect([a.status, a.text, a.headers['retry-after'], a.headers['content-type']]).toEqual([503, 'busy', '5', undefined]);
    expect((await raw(fake, '/v1/ips/198.51.100.23/asn')).text).toBe('{"success":true,"response":{}}');
    expect((await raw(fake, '/v1/ips/198.51.100.23/asn')).status).toBe(200);
    fake.reset();
    expect((await raw(fake, '/v1/ips/198.51.100.23/asn')).json()).toMatchObject({ response: { asn: 64502 } });
  });

  it('adds Content-Type application/json to an injected JSON body without headers', async () => {
    fake.setAnswers('ips/192.0.2.1/reputation', [{ status: 200, body: { success: true, response: [] } }]);
    expect((await raw(fake, '/v1/ips/192.0.2.1/reputation')).headers['content-type']).toBe('application/json');
  });

  it('delay_ms delays an answer; delay_ms without status closes the connection unanswered', async () => {
    fake.setAnswers('ips/192.0.2.2/reputation', [{ status: 200, headers: { 'Content-Type': 'application/json' }, body: { success: true, response: [] }, delay_ms: 150 }]);
    const started = Date.now();
    expect((await raw(fake, '/v1/ips/192.0.2.2/reputation')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    fake.setAnswers('ips/192.0.2.3/reputation', [{ delay_ms: 100 }]);
    const t0 = Date.now();
    await expect(raw(fake, '/v1/ips/192.0.2.3/reputation')).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
  });
});

describe('fake ET API: options', () => {
  it('serves only the chosen scenarios', async () => {
    const fake = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['file-md5'] });
    try {
      expect((await raw(fake, '/v1/samples/08d9f42e95558080483d28154e573c8f')).status).toBe(200);
      expect((await raw(fake, '/v1/ips/198.51.100.23/reputation')).status).toBe(404);
    } finally {
      await fake.close();
    }
  });

  it('refuses an unknown scenario, and big-domain when it was not generated', async () => {
    await expect(startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['nope'] })).rejects.toThrow(/Unknown ET fixture scenario/);
    const empty = mkdtempSync(path.join(tmpdir(), 'et-empty-'));
    try {
      await expect(startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['big-domain'], bigDomainDir: empty })).rejects.toThrow(/generate\.mjs/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('latencyMs delays every answer', async () => {
    const fake = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['file-md5'], latencyMs: 120 });
    try {
      const started = Date.now();
      await raw(fake, '/v1/samples/08d9f42e95558080483d28154e573c8f');
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    } finally {
      await fake.close();
    }
  });
});

describe('fake ET API: synthetic mode', () => {
  const now = () => new Date('2026-08-20T12:00:00Z');
  let a: FakeEtApi;
  let b: FakeEtApi;

  beforeAll(async () => {
    a = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, synthetic: true, syntheticNow: now });
    b = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: [], synthetic: true, syntheticNow: now });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  const targets = [
    '/v1/ips/10.20.30.40/reputation',
    '/v1/ips/10.20.30.40/domains',
    '/v1/ips/10.20.30.40/samples',
    '/v1/ips/10.20.30.40/geoloc',
    '/v1/ips/10.20.30.40/asn',
    '/v1/domains/shop.example.com/reputation',
    '/v1/domains/shop.example.com/ips',
    '/v1/domains/shop.example.com/samples',
    '/v1/samples/0123456789abcdef0123456789abcdef',
  ];

  it('answers any well-formed path, deterministically for the same value', async () => {
    for (const t of targets) {
      const first = await raw(a, t);
      const again = await raw(a, t);
      const other = await raw(b, t);
      expect(first.status, t).toBe(200);
      expect(first.headers['content-type']).toBe('application/json');
      expect(again.text).toBe(first.text);
      expect(other.text).toBe(first.text);
    }
    expect((await raw(a, '/v1/ips/10.20.30.41/domains')).text).not.toBe((await raw(a, '/v1/ips/10.20.30.40/domains')).text);
    expect(a.unexpected).toEqual([]);
  });

  it('produces data the connector accepts, with recent dates', async () => {
    const client = new EtClient({ baseUrl: a.baseUrl, apiKey: ET_API_KEY, timeoutMs: 2_000 });
    const opts = { now: now(), windowMs: WINDOW_MS, cap: 100 };
    try {
      for (const call of ET_CALLS) {
        const value = call === 'sampleDetails' ? '0123456789abcdef0123456789abcdef' : call === 'relatedIps' ? 'shop.example.com' : '10.20.30.40';
        const result = await fetchEtCall(client, call, value, opts);
        expect(result, call).not.toBeNull();
        if (result && 'items' in result) {
          expect(result.items.length, call).toBeGreaterThan(0);
          expect(result.invalid, call).toEqual([]);
        }
      }
      const domains = await fetchEtCall(client, 'relatedDomains', '10.20.30.40', opts);
      expect(domains.items.every((d) => d.lastSeen <= '2026-08-20' && d.lastSeen >= '2026-07-31')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('keeps fixtures first and still 404s malformed paths', async () => {
    expect((await raw(a, '/v1/ips/198.51.100.23/asn')).json()).toMatchObject({ response: { asn: 64502 } });
    a.reset();
    for (const t of ['/v1/samples/0123456789ABCDEF0123456789ABCDEF', '/v1/ips/not-an-ip/reputation', '/v1/domains/b%C3%A4ckerei.example/ips', '/v1/ips/10.20.30.40/whois', '/v1/ips/10.20.30.40/reputation/']) {
      expect((await raw(a, t)).status, t).toBe(404);
    }
    expect(a.unexpected).toHaveLength(5);
  });
});

describe('fake ET API: big-domain', () => {
  let dir: string;
  let fake: FakeEtApi;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'et-big-domain-'));
    execFileSync(process.execPath, [path.join(ET_FIXTURES_DIR, 'big-domain', 'generate.mjs'), dir]);
    fake = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['big-domain'], bigDomainDir: dir });
  });
  afterAll(async () => {
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the 9 MB samples answer quickly, byte-identical to the stored body', async () => {
    const target = '/v1/domains/mirror-farm.example.com/samples';
    const stored = JSON.parse(readFileSync(path.join(dir, 'domains__mirror-farm.example.com__samples.json'), 'utf8')) as { body: unknown };
    const expected = JSON.stringify(stored.body);
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      const res = await raw(fake, target);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.text === expected).toBe(true); // not toBe: a 9 MB diff would be unreadable
      const body = res.json() as { success: boolean; response: unknown[] };
      expect(body.success).toBe(true);
      expect(body.response).toHaveLength(100_000);
    }
    expect(fake.count(target)).toBe(2);
  });

  it('works end to end with the client and the window (all items inside it)', async () => {
    const client = new EtClient({ baseUrl: fake.baseUrl, apiKey: ET_API_KEY, timeoutMs: 20_000 });
    try {
      const samples = await fetchEtCall(client, 'relatedSamples', 'mirror-farm.example.com', { now: REFERENCE_NOW, windowMs: WINDOW_MS, cap: 1_000 });
      expect(samples).toMatchObject({ total: 100_000, outsideWindow: 0, overCap: 99_000 });
      expect((await fetchEtCall(client, 'reputation', 'mirror-farm.example.com', { now: REFERENCE_NOW, windowMs: WINDOW_MS, cap: 1 })).items).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});
