/**
 * The bridge: registers the connector with OpenCTI, keeps it alive (pingConnector every
 * CONNECTOR_PING_INTERVAL seconds, 40 by default as pycti), consumes the listen queue and starts one
 * workflow per request. Stateless: run as many as you like against one Temporal cluster.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { OpenCtiApi, Registration } from '../opencti/api';
import { OpenCtiApiError } from '../errors';
import { brokerSettings, register } from '../opencti/registration';
import { CallbackListener } from './callback-listener';
import { assertSearchAttributes } from '../temporal/namespace-check';
import type { BridgeMetrics } from '../temporal/runtime';
import { ListenConsumer } from './consumer';
import { createMessageHandler, type BridgeStats } from './handle-message';

export interface BridgeDeps {
  config: Config;
  api: OpenCtiApi;
  client: Client;
  logger: Logger;
  now?: () => Date;
  prefetch?: number;
  metrics?: BridgeMetrics;
}

export interface Bridge {
  registration: Registration;
  stats: BridgeStats;
  /** Where requests come from: the RabbitMQ listen queue, or the HTTP callback in API listen mode. */
  consumer: ListenConsumer | CallbackListener;
  stop(): Promise<void>;
}

/** The platform answered, and refused the token (GraphQL AUTH_REQUIRED / FORBIDDEN_ACCESS, HTTP 401/403). */
export function isTokenRefused(err: unknown): boolean {
  if (!(err instanceof OpenCtiApiError)) return false;
  return err.status === 401 || err.status === 403 || /AUTH_REQUIRED|FORBIDDEN_ACCESS|must be logged in/i.test(err.message);
}

/** Waits for the platform (as pycti does at start), with backoff, then registers. */
async function registerWithRetry(deps: BridgeDeps): Promise<Registration> {
  for (let attempt = 1; ; attempt++) {
    try {
      const registration = await register(deps.api, deps.config);
      deps.logger.info('Connector registered with OpenCTI', { connectorId: registration.id, listen: registration.config.listen });
      return registration;
    } catch (err) {
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
      if (isTokenRefused(err)) {
        // Not an outage: the token is wrong or lacks rights. Say so, and keep trying (the process
        // stays up and not ready, rather than crash-looping) until the operator fixes it.
        deps.logger.error('OpenCTI refused the connector token: check OPENCTI_TOKEN (a valid token of the connector user); retrying', { attempt, retryInMs: delay, err });
      } else {
        deps.logger.warn('OpenCTI not ready for registration; retrying', { attempt, retryInMs: delay, err });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export async function startBridge(deps: BridgeDeps): Promise<Bridge> {
  const { config, api, logger } = deps;
  // Before taking any request: without our search attributes every start would be rejected.
  await assertSearchAttributes(deps.client.connection, deps.client.options.namespace, logger);
  const stats: BridgeStats = { started: 0, duplicates: 0, reused: 0, refused: 0, invalid: 0, rejected: 0 };
  const handle = createMessageHandler({ config, client: deps.client, api, logger, now: deps.now, metrics: deps.metrics }, stats);
  // API listen mode: listen before registering, since the platform may POST as soon as it knows the URI.
  const callback =
    config.listenProtocol === 'API'
      ? new CallbackListener({ host: config.listenApiHost, port: config.listenApiPort, path: config.listenApiPath, token: config.openctiToken ?? '', handle, logger })
      : null;
  await callback?.start();
  const registration = await registerWithRetry(deps);

  let state: string | null = null;
  const ping = async () => {
    try {
      const res = await api.pingConnector(config.connectorId, state);
      if ((res.connector_state ?? '') === '' && state !== null) {
        logger.info('Connector state has been remotely reset');
        state = null;
      }
    } catch (err) {
      logger.warn('Connector ping failed; will try again at the next interval', { err });
    }
  };
  void ping();
  const pinger = setInterval(() => void ping(), config.pingIntervalSeconds * 1000);

  const consumer =
    callback ??
    new ListenConsumer({
      broker: async () => brokerSettings(registration, config),
      queue: registration.config.listen,
      prefetch: deps.prefetch ?? 20,
      handle,
      logger,
    });
  if (!callback) await consumer.start();

  return {
    registration,
    stats,
    consumer,
    async stop() {
      clearInterval(pinger);
      await consumer.stop();
    },
  };
}
