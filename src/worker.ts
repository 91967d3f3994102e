/**
 * The Temporal worker: runs `enrichObservable` and its activities. Stateless: run as many as you
 * like on one task queue. Holds the ET key and the OpenCTI token as configuration (never payload).
 */
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from './activities';
import type { Config } from './config';
import { EtClient } from './et/client';
import { OpenCtiApi, type Registration } from './opencti/api';
import { BundlePublisher } from './opencti/push';
import { brokerSettings, register } from './opencti/registration';

let bundlePromise: Promise<WorkflowBundle> | null = null;

/** Bundles the workflow code once per process (webpack, about a second) and reuses it for every worker. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundlePromise ??= bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: quietBundlerLogger });
  return bundlePromise;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (m: string, meta?: unknown) => console.error(m, meta), log: noop };

export interface EnrichmentWorkerOptions {
  config: Config;
  connection: NativeConnection;
  /** Defaults to config.temporalTaskQueue; the CLI uses its own queue. */
  taskQueue?: string;
  /** False for one-off CLI runs: no OpenCTI, the bundle is the workflow result. */
  withOpenCti: boolean;
  /** Injectable clock for the last-seen window (tests use the fixtures' reference time). */
  now?: () => Date;
  shutdownGraceTime?: string;
}

export interface EnrichmentWorker {
  worker: Worker;
  /** Closes the HTTP pools and the push connection; call after worker.run() resolves. */
  close(): Promise<void>;
}

export async function createEnrichmentWorker(opts: EnrichmentWorkerOptions): Promise<EnrichmentWorker> {
  const { config } = opts;
  const now = opts.now ?? (() => new Date());
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
    opencti = { api, publisher, registration: registered };
  }

  const worker = await Worker.create({
    connection: opts.connection,
    namespace: config.temporalNamespace,
    taskQueue: opts.taskQueue ?? config.temporalTaskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      et: { client: etClient, now, windowMs: config.etLastSeenWindow.ms, cap: config.etMaxRelated },
      stix: { authorName: config.connectorName, now },
      opencti,
    }),
    shutdownGraceTime: opts.shutdownGraceTime ?? '30s',
  });
  return {
    worker,
    async close() {
      await publisher?.close();
      await etClient.close();
    },
  };
}
