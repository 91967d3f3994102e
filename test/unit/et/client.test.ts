import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtClient, parseRetryAfter } from '../../../src/et/client';
import { EtApiError } from '../../../src/et/errors';
import { ErrorType } from '../../../src/errors';
import { startFakeEtApi, type FakeEtApi } from '../../../src/fakes/et-api/server';
import { ET_API_KEY, ET_FIXTURES_DIR } from '../../helpers/fixtures';

/** Every error seen in this file, to check at the end that none carries the key. */
const seenErrors: unknown[] = [];

async function failure(promise: Promise<unknown>): Promise<EtApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  seenErrors.push(err);
  expect(err).toBeInstanceOf(EtApiError);
  return err as EtApiError;
}

const json = { 'Content-Type': 'application/json' };

describe('EtClient against the fake ET API', () => {
  let fake: FakeEtApi;
  let client: EtClient;

  beforeAll(async () => {
    fake = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR });
    client = new EtClient({ baseUrl: fake.baseUrl, apiKey: ET_API_KEY, timeoutMs: 2_000 });
  });
  afterEach(() => {
    expect(fake.unexpected).toEqual([]);
    fake.reset();
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it('returns the payload of a 200 envelope, sending the raw key as Authorization', async () => {
    const answer = await client.get('ips/198.51.100.23/reputation');
    expect(answer).toEqual({
      kind: 'data',
      payload: [
        { category: 'CnC', score: 118 },
        { category: 'Bot', score: 64 },
        { category: 'Scanner', score: 12 },
      ],
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', target: '/v1/ips/198.51.100.23/reputation', authorized: true });
  });

  it('returns an object payload as is (asn)', async () => {
    const answer = await client.get('ips/198.51.100.23/asn');
    expect(answer.kind).toBe('data');
    expect(answer.kind === 'data' && answer.payload).toMatchObject({ asn: 64502, owner: 'EXAMPLE-TRANSIT-AS' });
  });

  it('treats a 200 with [] or {} as no-data', async () => {
    expect(await client.get('ips/192.0.2.44/domains')).toEqual({ kind: 'no-data' });
    expect(await client.get('ips/192.0.2.44/asn')).toEqual({ kind: 'no-data' });
  });

  it('treats a 200 with response null as no-data', async () => {
    fake.setAnswers('ips/192.0.2.1/reputation', [{ status: 200, headers: json, body: { success: true, response: null } }]);
    expect(await client.get('ips/192.0.2.1/reputation')).toEqual({ kind: 'no-data' });
  });

  it('treats 404 as no-data', async () => {
    expect(await client.get('samples/3d63d25f3657dacd38a010684fab07bc')).toEqual({ kind: 'no-data' });
    expect(await client.get('ips/203.0.113.61/asn')).toEqual({ kind: 'no-data' });
  });

  it('throws auth on 401, after exactly one request', async () => {
    const err = await failure(client.get('ips/203.0.113.200/reputation'));
    expect(err.code).toBe('auth');
    expect(err.status).toBe(401);
    expect(err.errorType).toBe(ErrorType.EtAuth);
    expect(err.name).toBe(ErrorType.EtAuth);
    expect(err.retryable).toBe(false);
    expect(err.path).toBe('ips/203.0.113.200/reputation');
    expect(err.message).toContain('PROOFPOINT_ET_API_KEY');
    expect(fake.count('ips/203.0.113.200/reputation')).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('throws auth on 403', async () => {
    fake.setAnswers('ips/192.0.2.2/reputation', [{ status: 403, headers: json, body: { success: false, message: 'Forbidden', response: {} } }]);
    const err = await failure(client.get('ips/192.0.2.2/reputation'));
    expect(err.code).toBe('auth');
    expect(err.status).toBe(403);
  });

  it('throws auth when the key is wrong (the fake refuses it)', async () => {
    const wrong = new EtClient({ baseUrl: fake.baseUrl, apiKey: 'not-the-key', timeoutMs: 2_000 });
    try {
      const err = await failure(wrong.get('ips/198.51.100.23/reputation'));
      expect(err.code).toBe('auth');
      expect(err.message).not.toContain('not-the-key');
      expect(fake.requests[0]?.authorized).toBe(false);
    } finally {
      await wrong.close();
    }
  });

  it('throws rate-limited on 429 with Retry-After seconds, and does not retry by itself', async () => {
    const err = await failure(client.get('ips/198.51.100.90/reputation'));
    expect(err.code).toBe('rate-limited');
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.errorType).toBe(ErrorType.EtRateLimited);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('Rate limit exceeded');
    expect(fake.count('ips/198.51.100.90/reputation')).toBe(1);
    // The second call (Temporal's retry) gets the 200.
    expect((await client.get('ips/198.51.100.90/reputation')).kind).toBe('data');
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    fake.setAnswers('ips/192.0.2.3/reputation', [{ status: 429, headers: { ...json, 'Retry-After': at }, body: { success: false, message: 'Rate limit exceeded', response: {} } }]);
    const err = await failure(client.get('ips/192.0.2.3/reputation'));
    expect(err.code).toBe('rate-limited');
    expect(err.retryAfterMs).toBeGreaterThan(100_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('throws unavailable on 500', async () => {
    const err = await failure(client.get('ips/203.0.113.61/geoloc'));
    expect(err.code).toBe('unavailable');
    expect(err.status).toBe(500);
    expect(err.errorType).toBe(ErrorType.EtUnavailable);
    expect(err.retryable).toBe(true);
  });

  it('throws unavailable on 408 and on 503 with Retry-After', async () => {
    fake.setAnswers('ips/192.0.2.4/reputation', [{ status: 408, headers: json, body: { success: false, message: 'Request Timeout', response: {} } }]);
    fake.setAnswers('ips/192.0.2.5/reputation', [{ status: 503, headers: { ...json, 'Retry-After': '7' }, body: { success: false, message: 'Busy', response: {} } }]);
    expect((await failure(client.get('ips/192.0.2.4/reputation'))).code).toBe('unavailable');
    const err = await failure(client.get('ips/192.0.2.5/reputation'));
    expect(err.code).toBe('unavailable');
    expect(err.retryAfterMs).toBe(7_000);
  });

  it('throws invalid-response on other 4xx', async () => {
    fake.setAnswers('ips/192.0.2.6/reputation', [{ status: 400, headers: json, body: { success: false, message: 'Bad Request', response: {} } }]);
    const err = await failure(client.get('ips/192.0.2.6/reputation'));
    expect(err.code).toBe('invalid-response');
    expect(err.status).toBe(400);
    expect(err.errorType).toBe(ErrorType.EtInvalidResponse);
    expect(err.retryable).toBe(false);
  });

  it('throws invalid-response on a 200 that is not JSON', async () => {
    fake.setAnswers('ips/192.0.2.7/reputation', [{ status: 200, headers: { 'Content-Type': 'text/html' }, raw_body: '<html>maintenance</html>' }]);
    const err = await failure(client.get('ips/192.0.2.7/reputation'));
    expect(err.code).toBe('invalid-response');
    expect(err.message).toContain('text/html');
  });

  it('throws invalid-response on a JSON content type with a broken body', async () => {
    fake.setAnswers('ips/192.0.2.8/reputation', [{ status: 200, headers: json, raw_body: '{"success": true, "response": [' }]);
    const err = await failure(client.get('ips/192.0.2.8/reputation'));
    expect(err.code).toBe('invalid-response');
    expect(err.message).toContain('not valid JSON');
  });

  it('throws invalid-response on JSON that is not the envelope', async () => {
    fake.setAnswers('ips/192.0.2.9/reputation', [{ status: 200, headers: json, body: [{ category: 'CnC', score: 1 }] }]);
    fake.setAnswers('ips/192.0.2.10/reputation', [{ status: 200, headers: json, body: { success: true } }]);
    expect((await failure(client.get('ips/192.0.2.9/reputation'))).message).toContain('envelope');
    expect((await failure(client.get('ips/192.0.2.10/reputation'))).code).toBe('invalid-response');
  });

  it('throws invalid-response on success:false, quoting ET', async () => {
    fake.setAnswers('ips/192.0.2.11/reputation', [{ status: 200, headers: json, body: { success: false, message: 'Query failed upstream', response: [{ category: 'CnC', score: 3 }] } }]);
    const err = await failure(client.get('ips/192.0.2.11/reputation'));
    expect(err.code).toBe('invalid-response');
    expect(err.message).toContain('ET reported failure');
    expect(err.message).toContain('Query failed upstream');
  });

  it('redacts the key if ET ever echoes it in a message', async () => {
    fake.setAnswers('ips/192.0.2.12/reputation', [{ status: 200, headers: json, body: { success: false, message: `bad key ${ET_API_KEY}`, response: {} } }]);
    const err = await failure(client.get('ips/192.0.2.12/reputation'));
    expect(err.message).toContain('[REDACTED]');
  });

  it('throws unavailable when ET does not answer within the timeout', async () => {
    const quick = new EtClient({ baseUrl: fake.baseUrl, apiKey: ET_API_KEY, timeoutMs: 300 });
    fake.setAnswers('ips/192.0.2.13/reputation', [{ status: 200, headers: json, body: { success: true, response: [] }, delay_ms: 3_000 }]);
    try {
      const started = Date.now();
      const err = await failure(quick.get('ips/192.0.2.13/reputation'));
      expect(err.code).toBe('unavailable');
      expect(err.message).toContain('300 ms');
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await quick.close();
    }
  });

  it('throws unavailable when ET accepts the request and closes the connection without answering', async () => {
    fake.setAnswers('ips/192.0.2.14/reputation', [{ delay_ms: 50 }]);
    const err = await failure(client.get('ips/192.0.2.14/reputation'));
    expect(err.code).toBe('unavailable');
    expect(err.status).toBeUndefined();
  });

  it('throws unavailable when nothing listens', async () => {
    const other = await startFakeEtApi({ apiKey: ET_API_KEY, scenarios: [] , fixturesDir: ET_FIXTURES_DIR });
    const baseUrl = other.baseUrl;
    await other.close();
    const dead = new EtClient({ baseUrl, apiKey: ET_API_KEY, timeoutMs: 2_000 });
    try {
      const err = await failure(dead.get('ips/192.0.2.15/reputation'));
      expect(err.code).toBe('unavailable');
      expect(err.message).toContain('connection failed');
    } finally {
      await dead.close();
    }
  });

  it("passes the caller's cancellation on instead of calling it an ET failure", async () => {
    fake.setAnswers('ips/192.0.2.16/reputation', [{ status: 200, headers: json, body: { success: true, response: [] }, delay_ms: 3_000 }]);
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 50);
    await expect(client.get('ips/192.0.2.16/reputation', controller.signal)).rejects.toBe(reason);
  });

  it('refuses a base URL without a trailing slash', () => {
    expect(() => new EtClient({ baseUrl: 'https://api.emergingthreats.net/v1', apiKey: ET_API_KEY, timeoutMs: 1_000 })).toThrow(/end with "\/"/);
  });

  it('never puts the API key in an error (message, fields or cause)', () => {
    expect(seenErrors.length).toBeGreaterThan(10);
    for (const err of seenErrors) {
      const e = err as EtApiError;
      expect(e.message).not.toContain(ET_API_KEY);
      expect(JSON.stringify({ ...e, message: e.message, cause: String(e.cause) })).not.toContain(ET_API_KEY);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-08-20T12:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 20 Aug 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Thu, 20 Aug 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
