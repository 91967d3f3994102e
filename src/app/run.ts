/**
 * Runs the connector's long-lived roles in this process: the worker, the bridge, or both
 * (`npm start`). Handles SIGINT/SIGTERM by draining: the bridge stops consuming first, then the
 * worker finishes (or hands back) its running activities within its shutdown grace time.
 * With CONNECTOR_HEALTH_PORT, serves /healthz and /readyz (src/ops/health-server.ts) from the start
 * of the process to the end of the drain.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startBridge, type Bridge } from '../bridge';
import { requireOpenCti, type Config } from '../config';
import { TemporalUnreachableError } from '../errors';
import type { Logger } from '../logger';
import { registerSecret } from '../logger';
import { OpenCtiApi } from '../opencti/api';
import { DEFAULT_HEALTH_HOST, startHealthServer, type ComponentHealth, type HealthServer } from '../ops/health-server';
import { connectOrStartEmbedded, type TemporalTarget } from '../temporal/connect';
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
}

export async function runConnector(config: Config, roles: { worker: boolean; bridge: boolean }, logger: Logger, options: RunOptions = {}): Promise<RunningConnector> {
  const settings = requireOpenCti(config);
  registerSecret(settings.token);
  registerSecret(settings.etApiKey);
  installRuntime(config.logLevel, { metricsBindAddress: config.metricsPort ? `${config.healthHost}:${config.metricsPort}` : undefined });

  let enrichmentWorker: EnrichmentWorker | null = null;
  let bridge: Bridge | null = null;
  let stopRequested = false;
  const probe = () => {
    const components: Record<string, ComponentHealth> = {};
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

  let temporal: TemporalTarget | null = null;
  let connection: Connection | null = null;
  let native: NativeConnection | null = null;
  let done: Promise<void> = Promise.resolve();
  try {
    temporal = await connectOrStartEmbedded(config, logger);
    const address = temporal.address;
    connection = await Connection.connect({ address, connectTimeout: '15s' }).catch((err: unknown) => {
      throw new TemporalUnreachableError(address, err);
    });
    const client = new Client({ connection, namespace: config.temporalNamespace });

    if (roles.worker) {
      native = await NativeConnection.connect({ address: temporal.address });
      enrichmentWorker = await createEnrichmentWorker({ config, connection: native, withOpenCti: true });
      done = enrichmentWorker.run();
      // Observed by the caller too; this handler only keeps a failure from being "unhandled" meanwhile.
      done.catch(() => undefined);
      logger.info('Worker running', { taskQueue: config.temporalTaskQueue, namespace: config.temporalNamespace });
    }
    if (roles.bridge) {
      bridge = await startBridge({ config, api: new OpenCtiApi({ url: settings.url, token: settings.token }), client, logger: logger.child({ component: 'bridge' }), metrics: bridgeMetrics() });
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
        await started.temporal.stop();
        await health?.close();
      })();
      return stopping;
    };
    return { temporal, client, bridge, enrichmentWorker, health, done, stop };
  } catch (err) {
    // Start-up failed: release what was opened, so the process can exit with the error.
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
