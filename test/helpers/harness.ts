/**
 * End-to-end harness: the real Temporal dev server (started once by global-setup), the real
 * RabbitMQ broker, the fake OpenCTI platform and the fake ET API on loopback, and this project's
 * own worker and bridge, wired exactly as `npm start` wires them. Each harness uses its own
 * connector id (so its own queues) and its own task queue.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startBridge, type Bridge } from '../../src/bridge';
import { loadConfig, type Config } from '../../src/config';
import { startFakeEtApi, type FakeEtApi } from '../../src/fakes/et-api/server';
import { startFakeOpenCti, type FakeOpenCti } from '../../src/fakes/opencti';
import type { WorkSnapshot } from '../../src/fakes/opencti';
import { createLogger, type Logger } from '../../src/logger';
import { OpenCtiApi } from '../../src/opencti/api';
import { installRuntime } from '../../src/temporal/runtime';
import { createEnrichmentWorker, type EnrichmentWorker } from '../../src/worker';
import { ET_API_KEY, ET_FIXTURES_DIR, readMessage, REFERENCE_NOW } from './fixtures';

export const OPENCTI_TOKEN = 'e2e-opencti-token-5b1d9a';

export interface HarnessOptions {
  /** ET fixture scenarios to serve (default: all). */
  scenarios?: string[];
  /** Extra environment for loadConfig (e.g. CONNECTOR_SCOPE). */
  env?: Record<string, string>;
  /** Clock of the worker's last-seen window (default: the fixtures' reference time). */
  now?: Date;
  bigDomainDir?: string;
  /** The Temporal server (default: the one the e2e global set-up started). */
  temporalAddress?: string;
}

export interface Harness {
  config: Config;
  et: FakeEtApi;
  opencti: FakeOpenCti;
  client: Client;
  bridge: Bridge;
  logs: string[];
  /** Publishes a fixture message with a fresh work id (each test is its own request); returns that id. */
  publishFixture(name: string, opts?: { sameBodyAs?: Buffer }): Promise<{ workId: string | null; body: Buffer }>;
  /** Publishes bytes as they are. */
  publishRaw(body: Buffer | string): Promise<void>;
  /** Waits until the work is complete and the connector closed it (toProcessed). */
  waitClosed(workId: string, timeoutMs?: number): Promise<WorkSnapshot>;
  /** Starts one more worker process-equivalent on the same task queues (for scale-out tests). */
  addWorker(): Promise<EnrichmentWorker>;
  /** Workflow executions started for a work id, via the OpenCtiWorkId search attribute. */
  workflowsForWork(workId: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Gives a fixture message a new work id (and a new playbook execution id), keeping everything else byte for byte. */
export function freshRequest(body: Buffer, connectorId: string): { workId: string | null; body: Buffer } {
  const text = body.toString('utf8');
  const m = /"work_id":"(work_[^"]+)"/.exec(text);
  const workId = m ? `work_${connectorId}_${new Date().toISOString()}_${randomUUID().slice(0, 8)}` : null;
  let out = m ? text.replace(m[1]!, workId!) : text;
  out = out.replace(/"execution_id":"[^"]+"/, `"execution_id":"${randomUUID()}"`);
  return { workId, body: Buffer.from(out, 'utf8') };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  // vitest is loaded only inside the test runner (scripts pass their own server).
  const temporalAddress = opts.temporalAddress ?? (await import('vitest')).inject('temporalAddress');
  installRuntime(process.env.E2E_DEBUG ? 'debug' : 'error');
  const logs: string[] = [];
  const logger: Logger = createLogger({}, (line) => {
    logs.push(line);
    if (process.env.E2E_DEBUG) process.stderr.write(`${line}\n`);
  });
  const et = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: opts.scenarios, bigDomainDir: opts.bigDomainDir });
  const opencti = await startFakeOpenCti({ token: OPENCTI_TOKEN, logger: logger.child({ component: 'fake-opencti' }) });
  const connectorId = randomUUID();
  const config = loadConfig({
    CONFIG_FILE: '/dev/null',
    OPENCTI_URL: opencti.url,
    OPENCTI_TOKEN,
    CONNECTOR_ID: connectorId,
    PROOFPOINT_ET_API_BASE_URL: et.baseUrl,
    PROOFPOINT_ET_API_KEY: ET_API_KEY,
    PROOFPOINT_ET_REQUEST_TIMEOUT: '5',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `e2e-${connectorId}`,
    CONNECTOR_PING_INTERVAL: '2',
    ...opts.env,
  });
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address: temporalAddress });
  const now = opts.now ?? REFERENCE_NOW;
  const enrichmentWorker: EnrichmentWorker = await createEnrichmentWorker({
    config,
    connection: native,
    withOpenCti: true,
    now: () => now,
    shutdownGraceTime: '2s',
  });
  const extra: { worker: EnrichmentWorker; running: Promise<void>; native: NativeConnection }[] = [];
  const running = enrichmentWorker.run();
  const bridge = await startBridge({ config, api: new OpenCtiApi({ url: opencti.url, token: OPENCTI_TOKEN }), client, logger: logger.child({ component: 'bridge' }) });

  return {
    config,
    et,
    opencti,
    client,
    bridge,
    logs,
    async publishFixture(name) {
      const fresh = freshRequest(readMessage(name), connectorId);
      await opencti.publishRequest(connectorId, fresh.body);
      return fresh;
    },
    async publishRaw(body) {
      await opencti.publishRequest(connectorId, body);
    },
    waitClosed(workId, timeoutMs = 60_000) {
      return opencti.waitForWork(workId, (w) => w.status === 'complete' && w.processed_time !== null, timeoutMs);
    },
    async addWorker() {
      const native2 = await NativeConnection.connect({ address: temporalAddress });
      const worker = await createEnrichmentWorker({ config, connection: native2, withOpenCti: true, now: () => now, shutdownGraceTime: '2s' });
      extra.push({ worker, running: worker.run(), native: native2 });
      return worker;
    },
    async workflowsForWork(workId) {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({ query: `OpenCtiWorkId = '${workId}'` })) ids.push(`${wf.workflowId}/${wf.runId}`);
      return ids;
    },
    async stop() {
      await bridge.stop();
      for (const e of extra) {
        e.worker.shutdown();
        await e.running;
        await e.worker.close();
        await e.native.close();
      }
      enrichmentWorker.shutdown();
      await running;
      await enrichmentWorker.close();
      await native.close();
      await connection.close();
      await opencti.deleteConnector(connectorId).catch(() => undefined);
      await opencti.close();
      await et.close();
    },
  };
}
