/**
 * The embedded Temporal dev server (`temporal server start-dev`, SQLite, Web UI), used by
 * `npm start`, the demo, the CLI and the tests when no TEMPORAL_ADDRESS is configured.
 */
import { spawn } from 'node:child_process';
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
    // A deadline: something else listening on the port may accept the connection and never answer.
    const c = conn;
    await c.withDeadline(Date.now() + timeoutMs, () => c.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

/**
 * Thrown when `temporal server start-dev` exits (or never answers) at start-up. The CLI's own
 * reason (e.g. `can't set UI port 8233: … address already in use`) is in the message, since the
 * server's output is otherwise only logged at debug level.
 */
export class DevServerStartError extends Error {
  /** The server's last output lines (stdout and stderr). */
  readonly output: readonly string[];
  constructor(how: string, output: readonly string[], ports: readonly number[]) {
    const reason = devServerReason(output);
    const portList = ports.length > 1 ? `ports ${ports.slice(0, -1).join(', ')} and ${ports.at(-1)}` : `port ${ports[0]}`;
    super(
      `The embedded Temporal dev server could not start (${how})${reason ? `: ${reason}` : ''}. ` +
        `Free ${portList} (another \`npm start\` or Temporal server may hold them), or set TEMPORAL_ADDRESS to a Temporal server you run.`,
    );
    this.name = 'DevServerStartError';
    this.output = output;
  }
}

/** The CLI's error lines (`level=ERROR msg="…"`), else its last lines, as one short sentence. */
export function devServerReason(output: readonly string[]): string {
  const errors = output.flatMap((line) => {
    if (!/level=(ERROR|FATAL)/.test(line)) return [];
    const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    return [msg ? msg.replace(/\\"/g, '"') : line];
  });
  return (errors.length ? errors : output.slice(-3)).slice(-3).join('; ').slice(0, 600);
}

async function waitServing(address: string, exited: () => string | null, closed: Promise<void>, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const how = exited();
    if (how) {
      // Its last output may still be in the pipes: give them a moment to drain before reporting.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
      return how;
    }
    if (await isTemporalServing(address, 1000)) return null;
    await new Promise((r) => setTimeout(r, 250));
  }
  return `no answer on ${address} within ${timeoutMs} ms`;
}

/** Resolves when a dev server we started exits without stop() having been called (killed, crashed). */
const deaths = new WeakMap<object, Promise<string>>();

/**
 * How the embedded server died, once it did: resolves only if the process ends without `stop()`
 * (e.g. `kill -9`); null for a server we did not start (reused, or TEMPORAL_ADDRESS).
 */
export function whenDevServerDied(target: object): Promise<string> | null {
  return deaths.get(target) ?? null;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exited with code ${code}`;
}

const OUTPUT_LINES_KEPT = 30;

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
  // Recorded here rather than read from child.exitCode: a child killed by a signal has exitCode
  // null (signalCode set), and waiting for an 'exit' event that already fired hangs for ever.
  let exitedHow: string | null = null;
  let stopRequested = false;
  const exit = new Promise<string>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit((exitedHow = describeExit(code, signal))));
    child.once('error', (err) => resolveExit((exitedHow ??= `could not run ${TEMPORAL_CLI_PATH}: ${err.message}`)));
  });
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  // Whatever way this process ends (an early signal, a crash), it takes its dev server with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exit.then(() => process.removeListener('exit', killOnExit));
  const lastLines: string[] = [];
  const forward = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lastLines.push(line);
      if (lastLines.length > OUTPUT_LINES_KEPT) lastLines.shift();
      opts.onOutput?.(line);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const failure = await waitServing(address, () => exitedHow, closed, opts.startupTimeoutMs ?? 60_000);
  if (failure) {
    child.kill('SIGKILL');
    const ports = [port, ...(opts.uiPort ? [opts.uiPort] : [])];
    throw new DevServerStartError(failure, [...lastLines], ports);
  }
  const server: DevServer = {
    address,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : null,
    reused: false,
    stop: () => {
      stopRequested = true;
      if (exitedHow !== null) return Promise.resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      return exit.then(() => clearTimeout(kill));
    },
  };
  deaths.set(
    server,
    exit.then((how) => (stopRequested ? new Promise<string>(() => undefined) : how)),
  );
  return server;
}

/** The embedded server of `npm start`: reuses one already serving on 7233, else starts it with the UI on 8233. */
export async function ensureEmbeddedServer(opts: { dbFile: string; onOutput?: (l: string) => void; raceWaitMs?: number }): Promise<DevServer> {
  const address = '127.0.0.1:7233';
  const reused: DevServer = { address, uiUrl: 'http://localhost:8233', reused: true, stop: async () => undefined };
  if (await isTemporalServing(address)) return reused;
  try {
    return await startDevServer({ port: 7233, uiPort: 8233, dbFile: opts.dbFile, onOutput: opts.onOutput });
  } catch (err) {
    // Two `npm start` racing: both found 7233 free, the loser's server failed (port or SQLite in
    // use). The winner's server answers within seconds: use it, as if it had been there first.
    if (!(err instanceof DevServerStartError)) throw err;
    const deadline = Date.now() + (opts.raceWaitMs ?? 10_000);
    while (Date.now() < deadline) {
      if (await isTemporalServing(address)) return reused;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw err;
  }
}
