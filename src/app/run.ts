/**
 * Runs the connector's long-lived roles in this process: the worker, the bridge, or both
 * (`npm start`). Handles SIGINT/SIGTERM by draining: the bridge stops consuming first, then the
 * worker finishes (or hands back) its running activities within its shutdown grace time.
 * With CONNECTOR_HEALTH_PORT, serves /healthz and /readyz (src/ops/health-server.ts) from the start
 * of the process to the end of the drain; /readyz includes a cached Temporal reachability check.
 * Start-up can be interrupted (RunOptions.signal): what has started is stopped in order.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startBridge, type Bridge } from '../bridge';
import { requireOpenCti, type Config } from '../config';
import { TemporalUnreachableError } from '../errors';
import type { Logger } from '../logger';
import { registerSecret } from '../logger';
import { OpenCtiApi } from '../opencti/api';
import { cachedCheck, DEFAULT_HEALTH_HOST, startHealthServer, type ComponentHealth, type HealthServer } from '../ops/health-server';
import { connectOrStartEmbedded, type TemporalTarget } from '../temporal/connect';
import { whenDevServerDied } from '../temporal/dev-server';
import { grpcFailure } from '../temporal/grpc-status';
import { bridgeMetrics, installRuntime } from '../temporal/runtime';
import { createEnrichmentWorker, type EnrichmentWorker } from '../worker';

export interface RunningConnector {
  temporal: TemporalTarget;
  client: Client;
  bridge: Bridge | null;
  enrichmentWorker: EnrichmentWorker | null;
  /** The health endpoints, when CONNECTOR_HEALTH_PORT is set. */
  health: HealthServer | null;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface RunOptions {
  /** Interface of the health endpoints. @default CONNECTOR_HEALTH_HOST, else 127.0.0.1 */
  healthHost?: string;
  /** Aborting it during start-up stops what has started and rejects with StartupInterruptedError. */
  signal?: AbortSignal;
  /** How long a Temporal reachability result is reused by /readyz. @default 5000 */
  temporalCheckTtlMs?: number;
}

/** Thrown by runConnector when its start-up was interrupted (a signal): everything it started is stopped. */
export class StartupInterruptedError extends Error {
  constructor() {
    super('Start-up interrupted: everything started so far was stopped');
    this.name = 'StartupInterruptedError';
  }
}

/** Deadline of one Temporal health check: long enough on a loaded machine, short enough for a probe. */
const TEMPORAL_CHECK_DEADLINE_MS = 3000;
/** grpc.health.v1 HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;

/** Resolves like `step`, or rejects with StartupInterruptedError as soon as `signal` aborts. */
function unlessInterrupted<T>(step: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return step;
  if (signal.aborted) return Promise.reject(new StartupInterruptedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StartupInterruptedError());
    signal.addEventListener('abort', onAbort, { once: true });
    step.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function runConnector(config: Config, roles: { worker: boolean; bridge: boolean }, logger: Logger, options: RunOptions = {}): Promise<RunningConnector> {
  const settings = requireOpenCti(config);
  registerSecret(settings.token);
  registerSecret(settings.etApiKey);
  installRuntime(config.logLevel, { metricsBindAddress: config.metricsPort ? `${config.healthHost}:${config.metricsPort}` : undefined });
  const interrupted = () => {
    if (options.signal?.aborted) throw new StartupInterruptedError();
  };

  let enrichmentWorker: EnrichmentWorker | null = null;
  let bridge: Bridge | null = null;
  let stopRequested = false;
  let temporal: TemporalTarget | null = null;
  let connection: Connection | null = null;
  let temporalDown = false;
  // The worker reports RUNNING while its polls fail, so readiness also asks Temporal itself.
  const temporalHealth = cachedCheck(async (): Promise<ComponentHealth> => {
    const conn = connection!;
    let health: ComponentHealth;
    try {
      const res = await conn.withDeadline(Date.now() + TEMPORAL_CHECK_DEADLINE_MS, () => conn.healthService.check({}));
      health = res.status === SERVING ? { state: 'serving', ready: true } : { state: 'not-serving', ready: false };
    } catch (err) {
      const code = grpcFailure(err)?.codeName;
      const why = code === 'DEADLINE_EXCEEDED' ? `no answer within ${TEMPORAL_CHECK_DEADLINE_MS / 1000} s` : code === 'UNAVAILABLE' ? 'connection refused or lost' : ((err as Error)?.message ?? String(err));
      health = { state: 'unreachable', ready: false, detail: `Temporal at ${temporal?.address ?? '?'}: ${why}` };
    }
    if (health.ready === temporalDown && !stopRequested) {
      temporalDown = !health.ready;
      if (temporalDown) logger.warn('Temporal is not answering; /readyz reports not ready', { address: temporal?.address, state: health.state, detail: health.detail });
      else logger.info('Temporal answers again', { address: temporal?.address });
    }
    return health;
  }, options.temporalCheckTtlMs ?? 5000);
  const probe = async () => {
    const components: Record<string, ComponentHealth> = { temporal: connection ? await temporalHealth() : { state: 'connecting', ready: false } };
    if (roles.worker) {
      const main = enrichmentWorker?.main.getState() ?? 'STARTING';
      const et = enrichmentWorker?.et.getState() ?? 'STARTING';
      components.worker = { state: main, ready: main === 'RUNNING' && !stopRequested };
      components.etWorker = { state: et, ready: et === 'RUNNING' && !stopRequested };
    }
    if (roles.bridge) {
      const state = bridge?.consumer.state ?? 'starting';
      components.bridge = { state, ready: state === 'consuming' && !stopRequested };
    }
    return components;
  };
  // Started first, so liveness answers while we wait for Temporal, OpenCTI or the broker.
  const health = config.healthPort
    ? await startHealthServer({
        port: config.healthPort,
        host: options.healthHost ?? config.healthHost ?? DEFAULT_HEALTH_HOST,
        probe,
        logger: logger.child({ component: 'health' }),
      })
    : null;

  let native: NativeConnection | null = null;
  let done: Promise<void> = Promise.resolve();
  let embeddedDied: string | null = null;
  try {
    // Bounded steps (each times out on its own) are awaited, then the signal checked; the bridge's
    // registration retries for ever, so it alone is abandoned on a signal.
    interrupted();
    temporal = await connectOrStartEmbedded(config, logger);
    whenDevServerDied(temporal)?.then((how) => {
      embeddedDied = how;
      logger.error('The embedded Temporal dev server died: the worker cannot poll and /readyz reports not ready; restart the connector', { how });
    });
    interrupted();
    const address = temporal.address;
    connection = await Connection.connect({ address, connectTimeout: '15s' }).catch((err: unknown) => {
      throw new TemporalUnreachableError(address, err);
    });
    const client = new Client({ connection, namespace: config.temporalNamespace });
    interrupted();

    if (roles.worker) {
      native = await NativeConnection.connect({ address: temporal.address });
      interrupted();
      enrichmentWorker = await createEnrichmentWorker({ config, connection: native, withOpenCti: true });
      interrupted();
      done = enrichmentWorker.run();
      // Observed by the caller too; this handler only keeps a failure from being "unhandled" meanwhile.
      done.catch(() => undefined);
      logger.info('Worker running', { taskQueue: config.temporalTaskQueue, namespace: config.temporalNamespace });
    }
    if (roles.bridge) {
      const starting = startBridge({ config, api: new OpenCtiApi({ url: settings.url, token: settings.token }), client, logger: logger.child({ component: 'bridge' }), metrics: bridgeMetrics() });
      // Abandoned on a signal: if it still gets through, stop it (the process is exiting anyway).
      starting.then(
        (late) => {
          if (options.signal?.aborted) void late.stop().catch(() => undefined);
        },
        () => undefined,
      );
      bridge = await unlessInterrupted(starting, options.signal);
    }

    const started = { temporal, connection, native };
    let stopping: Promise<void> | null = null;
    const stop = () => {
      stopping ??= (async () => {
        stopRequested = true;
        logger.info('Shutting down: draining the bridge, then the worker');
        await bridge?.stop();
        enrichmentWorker?.shutdown();
        await done.catch((err) => logger.error('Worker stopped with an error', { err }));
        await enrichmentWorker?.close();
        await started.native?.close();
        await started.connection.close();
        if (embeddedDied) logger.warn('The embedded Temporal dev server had died before the shutdown; nothing to stop there', { how: embeddedDied });
        await started.temporal.stop();
        await health?.close();
      })();
      return stopping;
    };
    return { temporal, client, bridge, enrichmentWorker, health, done, stop };
  } catch (err) {
    // Start-up failed or was interrupted: release what was opened, so the process can exit.
    stopRequested = true;
    enrichmentWorker?.shutdown();
    await done.catch(() => undefined);
    await enrichmentWorker?.close().catch(() => undefined);
    await native?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await temporal?.stop().catch(() => undefined);
    await health?.close();
    throw err;
  }
}
