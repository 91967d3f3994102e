/**
 * Where the Temporal server is: TEMPORAL_ADDRESS when configured, else the embedded dev server
 * (reused when one already serves on 127.0.0.1:7233, e.g. from `npm start`).
 */
import { resolve } from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { ensureEmbeddedServer, isTemporalServing, startDevServer } from './dev-server';

export interface TemporalTarget {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

export const EMBEDDED_DB_FILE = resolve(__dirname, '../../.data/temporal-dev.db');

/** For long-running processes (`npm start`): a persistent embedded server with the Web UI on 8233. */
export async function connectOrStartEmbedded(config: Config, logger: Logger): Promise<TemporalTarget> {
  if (config.temporalAddress) return { address: config.temporalAddress, uiUrl: null, stop: async () => undefined };
  const server = await ensureEmbeddedServer({ dbFile: EMBEDDED_DB_FILE, onOutput: (line) => logger.debug('temporal dev server', { line }) });
  logger.info(server.reused ? 'Using the Temporal dev server already running' : 'Started the embedded Temporal dev server', {
    address: server.address,
    webUi: server.uiUrl,
  });
  return server;
}

/** For one-off commands (the CLI): the configured or running server, else a temporary in-memory one. */
export async function connectTemporal(config: Config, logger: Logger): Promise<TemporalTarget> {
  if (config.temporalAddress) return { address: config.temporalAddress, uiUrl: null, stop: async () => undefined };
  if (await isTemporalServing('127.0.0.1:7233')) return { address: '127.0.0.1:7233', uiUrl: 'http://localhost:8233', stop: async () => undefined };
  logger.info('No Temporal server configured or running; starting a temporary dev server for this command');
  return startDevServer({});
}
