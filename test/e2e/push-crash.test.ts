/**
 * What the chaos test caught once, made deterministic: a worker dies right after
 * `addExpectations` reached the platform (before its heartbeat recording it reached Temporal).
 * The retried push must not add the expectations a second time (the work would then stay
 * 'progress' for ever, expected 2n, processed n): it asks the platform first.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startFakeEtApi, type FakeEtApi } from '../../src/fakes/et-api/server';
import { startFakeOpenCti, type FakeOpenCti } from '../../src/fakes/opencti';
import { createLogger } from '../../src/logger';
import { deleteConnectorQueues } from '../helpers/chaos';
import { ConnectorProcess, freePort } from '../helpers/connector-process';
import { ET_API_KEY, ET_FIXTURES_DIR, readMessage } from '../helpers/fixtures';
import { startGraphqlTap, type GraphqlTap } from '../helpers/graphql-tap';
import { freshRequest, OPENCTI_TOKEN } from '../helpers/harness';

describe('a worker killed right after addExpectations', () => {
  const connectorId = randomUUID();
  let et: FakeEtApi | undefined;
  let opencti: FakeOpenCti | undefined;
  let tap: GraphqlTap | undefined;
  let worker: ConnectorProcess | undefined;
  let bridge: ConnectorProcess | undefined;

  afterAll(async () => {
    await worker?.stop().catch(() => undefined);
    await bridge?.stop().catch(() => undefined);
    await tap?.close();
    await opencti?.close();
    await et?.close();
    await deleteConnectorQueues(connectorId).catch(() => undefined);
  });

  it('does not add the expectations twice: the work completes', async () => {
    et = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['ip-rich'] });
    opencti = await startFakeOpenCti({ token: OPENCTI_TOKEN, logger: createLogger({}, () => undefined) });
    let armed = true;
    let killedAt = 0;
    tap = await startGraphqlTap(opencti.url, (body) => {
      if (!armed || !body.includes('mutation addExpectations')) return null;
      armed = false;
      // The platform has counted the expectations; the worker dies before it hears so.
      return async () => {
        await worker!.kill('SIGKILL');
        killedAt = Date.now();
      };
    });
    const env = {
      OPENCTI_TOKEN,
      CONNECTOR_ID: connectorId,
      CONNECTOR_LOG_LEVEL: 'info',
      PROOFPOINT_ET_API_BASE_URL: et.baseUrl,
      PROOFPOINT_ET_API_KEY: ET_API_KEY,
      PROOFPOINT_ET_IMPORT_LAST_SEEN_TIME_WINDOW: 'P3650D',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `e2e-push-crash-${connectorId}`,
    };
    worker = new ConnectorProcess('worker', await freePort(), { ...env, OPENCTI_URL: tap.url });
    bridge = new ConnectorProcess('bridge', await freePort(), { ...env, OPENCTI_URL: opencti.url });
    worker.start();
    bridge.start();
    await Promise.all([worker.waitReady(), bridge.waitReady()]);

    const fresh = freshRequest(readMessage('manual-ipv4.json'), connectorId);
    await opencti.publishRequest(connectorId, fresh.body);
    await opencti.waitFor(() => killedAt > 0, 60_000);
    worker.start();
    await worker.waitReady();

    const work = await opencti.waitForWork(fresh.workId!, (w) => w.processed_time !== null, 150_000);
    const adds = work.calls.filter((c) => c.operation === 'addExpectations' && c.source === 'graphql');
    const parts = opencti.partsFor(fresh.workId!).length;
    const detail = JSON.stringify({ adds: adds.map((c) => ({ at: c.at, n: c.args.expectations })), tracking: work.tracking, status: work.status, parts, killedAt: new Date(killedAt).toISOString() });
    expect(adds.length, detail).toBe(1);
    await opencti.waitForWork(fresh.workId!, 'complete', 10_000);
  }, 240_000);
});
