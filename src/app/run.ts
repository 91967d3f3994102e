/**
 * Runs the connector's long-lived roles in this process: the worker, the bridge, or both
 * (`npm start`). Handles SIGINT/SIGTERM by draining: the bridge stops consuming first, then the
 * worker finishes (or hands back) its running activities within its shutdown grace time.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startBridge, type Bridge } from '../bridge';
import { requireOpenCti, type Config } from '../config';
import type { Logger } from '../logger';
import { registerSecret } from '../logger';
import { OpenCtiApi } from '../opencti/api';
import { connectOrStartEmbedded, type TemporalTarget } from '../temporal/connect';
import { installRuntime } from '../temporal/runtime';
import { createEnrichmentWorker, type EnrichmentWorker } from '../worker';

export interface RunningConnector {
  temporal: TemporalTarget;
  client: Client;
  bridge: Bridge | null;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function runConnector(config: Config, roles: { worker: boolean; bridge: boolean }, logger: Logger): Promise<RunningConnector> {
  const settings = requireOpenCti(config);
  registerSecret(settings.token);
  registerSecret(settings.etApiKey);
  installRuntime(config.logLevel);
  const temporal = await connectOrStartEmbedded(config, logger);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: config.temporalNamespace });

  let enrichmentWorker: EnrichmentWorker | null = null;
  let native: NativeConnection | null = null;
  let done: Promise<void> = Promise.resolve();
  if (roles.worker) {
    native = await NativeConnection.connect({ address: temporal.address });
    enrichmentWorker = await createEnrichmentWorker({ config, connection: native, withOpenCti: true });
    done = enrichmentWorker.run();
    logger.info('Worker running', { taskQueue: config.temporalTaskQueue, namespace: config.temporalNamespace });
  }
  const bridge = roles.bridge
    ? await startBridge({ config, api: new OpenCtiApi({ url: settings.url, token: settings.token }), client, logger: logger.child({ component: 'bridge' }) })
    : null;

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('Shutting down: draining the bridge, then the worker');
      await bridge?.stop();
      enrichmentWorker?.shutdown();
      await done.catch((err) => logger.error('Worker stopped with an error', { err }));
      await enrichmentWorker?.close();
      await native?.close();
      await connection.close();
      await temporal.stop();
    })();
    return stopping;
  };
  return { temporal, client, bridge, done, stop };
}
