/**
 * The Temporal worker: runs `enrichObservable` and its activities. Stateless: run as many as you
 * like on one task queue. Holds the ET key and the OpenCTI token as configuration (never payload).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from './activities';
import type { CliBundleSink } from './activities/deliver';
import type { Config } from './config';
import { EtClient } from './et/client';
import { OpenCtiApi, type Registration } from './opencti/api';
import { BundlePublisher } from './opencti/push';
import { brokerSettings, register } from './opencti/registration';
import { ET_ACTIVITY_OF_CALL } from './shared/types';
import { createLogger, type Logger } from './logger';
import { assertSearchAttributes } from './temporal/namespace-check';

/** The workflows entry, as TypeScript source (tsx, vitest) or compiled JavaScript (lib/). */
function workflowsPath(): string {
  const ts = join(__dirname, 'workflows', 'index.ts');
  return existsSync(ts) ? ts : join(__dirname, 'workflows', 'index.js');
}

/** What the workflow bundle is built from: workflow code, the pure modules it imports, the SDK version. */
function workflowSourceHash(): string {
  const hash = createHash('sha256');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
  for (const file of [...files(join(__dirname, 'workflows')), ...files(join(__dirname, 'shared')), join(__dirname, 'errors.ts')].sort()) {
    if (existsSync(file)) hash.update(file.slice(__dirname.length)).update(readFileSync(file));
  }
  hash.update(String((require('@temporalio/workflow/package.json') as { version: string }).version));
  return hash.digest('hex').slice(0, 16);
}

/** Next to the install, so a container image can ship it pre-filled and writable (see Dockerfile). */
export const BUNDLE_CACHE_DIR = join(__dirname, '..', '.data', 'workflow-bundles');

let bundlePromise: Promise<WorkflowBundle> | null = null;

/**
 * The workflow code bundle (webpack, several seconds), built once per source version and cached
 * on disk, so the CLI and restarts start fast. Without a writable cache it is built in memory.
 */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundlePromise ??= (async () => {
    const cached = join(BUNDLE_CACHE_DIR, `${workflowSourceHash()}.js`);
    if (existsSync(cached)) return { code: readFileSync(cached, 'utf8') };
    const bundle = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
    try {
      mkdirSync(BUNDLE_CACHE_DIR, { recursive: true });
      writeFileSync(`${cached}.tmp-${process.pid}`, bundle.code);
      renameSync(`${cached}.tmp-${process.pid}`, cached);
    } catch {
      // A read-only install: keep the in-memory bundle.
    }
    return bundle;
  })();
  return bundlePromise;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string, meta?: unknown) => console.error(m, meta), log: noop };

export interface EnrichmentWorkerOptions {
  config: Config;
  connection: NativeConnection;
  /** Defaults to config.temporalTaskQueue; the CLI uses its own queue. */
  taskQueue?: string;
  /** False for one-off CLI runs: no OpenCTI; their bundle goes to `cliSink`. */
  withOpenCti: boolean;
  /** One-off CLI runs: receives each run's bundle (the CLI's worker runs in the CLI process). */
  cliSink?: CliBundleSink;
  /** Injectable clock for the last-seen window (tests use the fixtures' reference time). */
  now?: () => Date;
  shutdownGraceTime?: string;
  /** Where start-up warnings go (e.g. the search-attribute check was not permitted). */
  logger?: Logger;
}

export interface EnrichmentWorker {
  /** Runs workflows and the non-ET activities on the task queue. */
  main: Worker;
  /** Runs the ET activities on `<task queue>-et`, where the ET request budget is enforced. */
  et: Worker;
  /** Runs both until shutdown; resolves when both have drained. */
  run(): Promise<void>;
  /** Runs both until `promise` settles, then shuts them down. */
  runUntil<T>(promise: Promise<T>): Promise<T>;
  shutdown(): void;
  /** Closes the HTTP pools and the push connection; call after run() resolves. */
  close(): Promise<void>;
}

/** The task queue of the ET activities: the workflow derives it the same way (see enrich-observable.ts). */
export function etTaskQueue(taskQueue: string): string {
  return `${taskQueue}-et`;
}

export async function createEnrichmentWorker(opts: EnrichmentWorkerOptions): Promise<EnrichmentWorker> {
  const { config } = opts;
  // Before the (slow) bundle: a namespace without our search attributes would fail every start.
  await assertSearchAttributes(opts.connection, config.temporalNamespace, opts.logger ?? createLogger({ component: 'worker' }));
  const now = opts.now ?? (() => new Date());
  const taskQueue = opts.taskQueue ?? config.temporalTaskQueue;
  const etClient = new EtClient({ baseUrl: config.etBaseUrl, apiKey: config.etApiKey ?? '', timeoutMs: config.etRequestTimeoutSeconds * 1000 });

  let publisher: BundlePublisher | null = null;
  let opencti = null;
  if (opts.withOpenCti) {
    const api = new OpenCtiApi({ url: config.openctiUrl!, token: config.openctiToken! });
    // The worker learns the push exchange and broker from the same registration the bridge does.
    let registration: Promise<Registration> | null = null;
    const registered = () => {
      registration ??= register(api, config).catch((err) => {
        registration = null;
        throw err;
      });
      return registration;
    };
    publisher = new BundlePublisher(async () => {
      const reg = await registered();
      return { exchange: reg.config.push_exchange, routingKey: reg.config.push_routing, broker: brokerSettings(reg, config) };
    });
    opencti = { api, publisher, registration: registered, connectorId: config.connectorId, queueProtocol: config.queueProtocol };
  }

  const activities = createActivities({
    et: { client: etClient, now, windowMs: config.etLastSeenWindow.ms, cap: config.etMaxRelated },
    stix: { authorName: config.connectorName, now },
    opencti,
    cliSink: opts.cliSink ?? null,
  });
  const { et: etActivities, other } = splitActivities(activities);
  const shutdownGraceTime = opts.shutdownGraceTime ?? '30s';
  const main = await Worker.create({
    connection: opts.connection,
    namespace: config.temporalNamespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: other,
    shutdownGraceTime,
  });
  const et = await Worker.create({
    connection: opts.connection,
    namespace: config.temporalNamespace,
    taskQueue: etTaskQueue(taskQueue),
    activities: etActivities,
    // The ET request budget for the whole deployment: the Temporal server rate-limits dispatch on
    // this queue, whatever the number of workers polling it. Its token bucket admits a burst of up
    // to one second's worth on top of the rate, so we ask for half the budget: measured, no
    // one-second window then exceeds the budget (test/e2e/et-budget.test.ts).
    maxTaskQueueActivitiesPerSecond: config.etMaxRequestsPerSecond === undefined ? undefined : config.etMaxRequestsPerSecond / 2,
    shutdownGraceTime,
  });
  const shutdown = () => {
    for (const w of [main, et]) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    main,
    et,
    run: async () => {
      await Promise.all([main.run(), et.run()]);
    },
    runUntil: async (promise) => {
      const running = Promise.all([main.run(), et.run()]);
      try {
        return await promise;
      } finally {
        shutdown();
        await running;
      }
    },
    shutdown,
    async close() {
      await publisher?.close();
      await etClient.close();
    },
  };
}

/** ET calls go to the rate-limited queue; everything else stays with the workflows. */
function splitActivities<A extends Record<string, unknown>>(activities: A) {
  const et: Record<string, unknown> = {};
  const other: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) (ET_ACTIVITY_NAMES.has(name) ? et : other)[name] = fn;
  return { et, other } as { et: Record<string, (...args: never[]) => unknown>; other: Record<string, (...args: never[]) => unknown> };
}

const ET_ACTIVITY_NAMES = new Set(Object.values(ET_ACTIVITY_OF_CALL));
