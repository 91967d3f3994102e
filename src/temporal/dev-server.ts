/**
 * The embedded Temporal dev server (`temporal server start-dev`, SQLite, Web UI), used by
 * `npm start`, the demo, the CLI and the tests when no TEMPORAL_ADDRESS is configured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';

export const TEMPORAL_CLI_PATH = resolve(__dirname, '../../.tools/bin/temporal');

export interface DevServerOptions {
  port?: number; // 0 or undefined: a free port
  uiPort?: number | null; // null: headless
  dbFile?: string; // undefined: in memory
  namespace?: string;
  startupTimeoutMs?: number;
  onOutput?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  /** True when we found a server already running and did not start one. */
  reused: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** True when a Temporal frontend answers a health check at `address`. */
export async function isTemporalServing(address: string, timeoutMs = 1500): Promise<boolean> {
  let conn: Connection | undefined;
  try {
    conn = await Connection.connect({ address, connectTimeout: timeoutMs });
    await conn.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

async function waitServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server start-dev exited with code ${child.exitCode}`);
    if (await isTemporalServing(address, 1000)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Temporal dev server did not answer on ${address} within ${timeoutMs} ms`);
}

/** Starts `temporal server start-dev` with our search attributes and waits until it serves. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  if (!existsSync(TEMPORAL_CLI_PATH)) {
    throw new Error(`Temporal CLI not found at ${TEMPORAL_CLI_PATH}: run \`npm run services\` (scripts/services.sh) to build it`);
  }
  const port = opts.port || (await freePort());
  const address = `127.0.0.1:${port}`;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push('--namespace', opts.namespace ?? 'default');
  if (opts.uiPort === null || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const key of ALL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  args.push('--dynamic-config-value', 'frontend.enableServerVersionCheck=false');
  // Lets operators change a run's search attributes from the UI/CLI without waiting for a cache.
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');
  const child = spawn(TEMPORAL_CLI_PATH, args, {
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever way this process ends (an early signal, a crash), it takes its dev server with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const forward = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) if (line.trim()) opts.onOutput?.(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  try {
    await waitServing(address, child, opts.startupTimeoutMs ?? 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : null,
    reused: false,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The embedded server of `npm start`: reuses one already serving on 7233, else starts it with the UI on 8233. */
export async function ensureEmbeddedServer(opts: { dbFile: string; onOutput?: (l: string) => void }): Promise<DevServer> {
  const address = '127.0.0.1:7233';
  if (await isTemporalServing(address)) {
    return { address, uiUrl: 'http://localhost:8233', reused: true, stop: async () => undefined };
  }
  return startDevServer({ port: 7233, uiPort: 8233, dbFile: opts.dbFile, onOutput: opts.onOutput });
}
