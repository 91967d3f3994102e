/**
 * The health endpoints: /healthz (liveness) and /readyz (readiness, per component), served by
 * `runConnector` when CONNECTOR_HEALTH_PORT is set, on the real Temporal server and broker.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runConnector, type RunningConnector } from '../../src/app/run';
import { loadConfig } from '../../src/config';
import { startFakeEtApi, type FakeEtApi } from '../../src/fakes/et-api/server';
import { startFakeOpenCti, type FakeOpenCti } from '../../src/fakes/opencti';
import { createLogger } from '../../src/logger';
import { cachedCheck, PortUnavailableError, readiness, startHealthServer, type ComponentHealth } from '../../src/ops/health-server';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { freePort, getHealth } from '../helpers/connector-process';
import { ET_API_KEY, ET_FIXTURES_DIR } from '../helpers/fixtures';
import { OPENCTI_TOKEN } from '../helpers/harness';

describe('health server', () => {
  it('answers /healthz always, /readyz 200 only when every component is ready, and nothing else', async () => {
    let components: Record<string, ComponentHealth> = { worker: { state: 'RUNNING', ready: true }, bridge: { state: 'reconnecting', ready: false } };
    const server = await startHealthServer({ port: 0, probe: () => components });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const live = await fetch(`${server.url}/healthz`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });

      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not-ready', down: ['bridge'], components });

      components = { ...components, bridge: { state: 'consuming', ready: true } };
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', components });

      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${server.url}/readyz`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`${server.url}/readyz`, { method: 'HEAD' })).status).toBe(200);
    } finally {
      await server.close();
    }
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('awaits an asynchronous probe; a taken port is a typed error naming the setting', async () => {
    const server = await startHealthServer({ port: 0, probe: async () => ({ temporal: { state: 'unreachable', ready: false, detail: 'x' } }) });
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'not-ready', down: ['temporal'], components: { temporal: { state: 'unreachable', ready: false, detail: 'x' } } });
      const taken = await startHealthServer({ port: server.port, probe: () => ({}) }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(taken).toBeInstanceOf(PortUnavailableError);
      expect((taken as Error).message).toContain(`127.0.0.1:${server.port} (CONNECTOR_HEALTH_PORT): the port is already in use`);
    } finally {
      await server.close();
    }
  });

  it('cachedCheck runs a check at most once per TTL, shares a running one, and turns a throw into not-ready', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const check = cachedCheck(
      async () => {
        calls += 1;
        if (fail) throw new Error('connection refused');
        return { state: 'serving', ready: true };
      },
      5000,
      () => now,
    );
    const [a, b] = await Promise.all([check(), check()]);
    expect(a).toEqual({ state: 'serving', ready: true });
    expect(b).toBe(a);
    expect(calls).toBe(1);
    now = 4999;
    fail = true;
    expect((await check()).ready).toBe(true);
    expect(calls).toBe(1);
    now = 5000;
    expect(await check()).toEqual({ state: 'check-failed', ready: false, detail: 'connection refused' });
    expect(calls).toBe(2);
  });

  it('is not ready without components, and a throwing probe is a 503, not a crash', async () => {
    expect(readiness({}).status).toBe(503);
    const server = await startHealthServer({
      port: 0,
      probe: () => {
        throw new Error('probe exploded');
      },
    });
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('runConnector health endpoints on the real broker and Temporal server', () => {
  let et: FakeEtApi;
  let opencti: FakeOpenCti;
  const logs: string[] = [];
  const logger = createLogger({}, (line) => logs.push(line));
  const connectorId = randomUUID();
  const env = () => ({
    OPENCTI_URL: opencti.url,
    OPENCTI_TOKEN,
    CONNECTOR_ID: connectorId,
    CONNECTOR_LOG_LEVEL: 'error',
    PROOFPOINT_ET_API_BASE_URL: et.baseUrl,
    PROOFPOINT_ET_API_KEY: ET_API_KEY,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `e2e-health-${connectorId}`,
  });

  beforeAll(async () => {
    et = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: [] });
    opencti = await startFakeOpenCti({ token: OPENCTI_TOKEN, logger });
  });
  afterAll(async () => {
    await opencti?.close();
    await et?.close();
  });

  it('reports the worker, the ET worker and the bridge, goes not-ready on shutdown and closes the port', async () => {
    const port = await freePort();
    const config = loadConfig({ ...env(), CONNECTOR_HEALTH_PORT: String(port) });
    let running: RunningConnector | null = null;
    try {
      running = await runConnector(config, { worker: true, bridge: true }, logger);
      expect(running.health?.url).toBe(`http://127.0.0.1:${port}`);
      expect(await getHealth(port, 'healthz')).toEqual({ status: 200, body: { status: 'ok' } });
      // The bridge consumes once startBridge returned; the workers run as soon as run() was called.
      let ready = await getHealth(port, 'readyz');
      for (let i = 0; i < 50 && ready?.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ready = await getHealth(port, 'readyz');
      }
      expect(ready).toEqual({
        status: 200,
        body: {
          status: 'ready',
          components: {
            temporal: { state: 'serving', ready: true },
            worker: { state: 'RUNNING', ready: true },
            etWorker: { state: 'RUNNING', ready: true },
            bridge: { state: 'consuming', ready: true },
          },
        },
      });

      const stopping = running.stop();
      // While draining, liveness still answers but readiness does not (no new traffic wanted).
      const during = await getHealth(port, 'readyz');
      if (during) expect(during.status).toBe(503);
      await stopping;
      running = null;
      expect(await getHealth(port, 'healthz')).toBeNull();
    } finally {
      await running?.stop();
    }
  });

  it('a bridge-only process reports only the bridge; without CONNECTOR_HEALTH_PORT there is no server', async () => {
    const port = await freePort();
    const bridgeOnly = await runConnector(loadConfig({ ...env(), CONNECTOR_HEALTH_PORT: String(port) }), { worker: false, bridge: true }, logger);
    try {
      const res = await getHealth(port, 'readyz');
      expect(res?.status).toBe(200);
      expect(Object.keys(res!.body.components!)).toEqual(['temporal', 'bridge']);
    } finally {
      await bridgeOnly.stop();
    }
    const none = await runConnector(loadConfig(env()), { worker: false, bridge: true }, logger);
    try {
      expect(none.health).toBeNull();
    } finally {
      await none.stop();
    }
  });

  it('goes not-ready naming temporal once its Temporal server is gone, and still stops cleanly', async () => {
    // A private server, so killing it disturbs no other test.
    let server: DevServer | null = await startDevServer({ startupTimeoutMs: 120_000 });
    const port = await freePort();
    const config = loadConfig({ ...env(), TEMPORAL_ADDRESS: server.address, CONNECTOR_HEALTH_PORT: String(port) });
    let running: RunningConnector | null = null;
    try {
      running = await runConnector(config, { worker: true, bridge: true }, logger, { temporalCheckTtlMs: 1000 });
      let ready = await getHealth(port, 'readyz', 5000);
      for (let i = 0; i < 100 && ready?.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        ready = await getHealth(port, 'readyz', 5000);
      }
      expect(ready?.status).toBe(200);
      expect(ready?.body.components?.temporal).toEqual({ state: 'serving', ready: true });

      await server.stop();
      server = null;
      // The workers still say RUNNING (the SDK retries its polls): only the Temporal check sees it.
      const killedAt = Date.now();
      let after = await getHealth(port, 'readyz', 10_000);
      while (after?.status !== 503 && Date.now() - killedAt < 30_000) {
        await new Promise((r) => setTimeout(r, 250));
        after = await getHealth(port, 'readyz', 10_000);
      }
      expect(after?.status).toBe(503);
      expect(after?.body.status).toBe('not-ready');
      expect((after?.body as { down?: string[] }).down).toContain('temporal');
      expect(after?.body.components?.temporal).toMatchObject({ state: 'unreachable', ready: false, detail: expect.stringMatching(/^Temporal at 127\.0\.0\.1:\d+: (connection refused or lost|no answer within 3 s)$/) });
      expect(logs.some((l) => l.includes('Temporal is not answering'))).toBe(true);

      const stopped = await Promise.race([running.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 60_000))]);
      expect(stopped).toBe('stopped');
      running = null;
    } finally {
      await running?.stop();
      await server?.stop();
    }
  });
});
