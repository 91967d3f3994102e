/**
 * The connector's roles as real OS processes (`node bin/et-connector.js worker|bridge`), for tests
 * that kill and restart them. Each process serves /healthz and /readyz on its own loopback port
 * (CONNECTOR_HEALTH_PORT), which is how a test knows a (re)started process is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(REPO_ROOT, 'bin', 'et-connector.js');

/** A free TCP port on loopback (bound then released: good enough on a test machine). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ReadyzBody {
  status: string;
  components?: Record<string, { state: string; ready: boolean }>;
}

/** GET a health path; null when nothing answers. */
export async function getHealth(port: number, which: 'healthz' | 'readyz', timeoutMs = 1000): Promise<{ status: number; body: ReadyzBody } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/${which}`, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: (await res.json()) as ReadyzBody };
  } catch {
    return null;
  }
}

export interface ProcessExit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the test asked for it (kill, stop). */
  expected: boolean;
  at: number;
}

/** Environment a child gets: the system basics only, plus what the test passes (no inherited connector settings). */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ', 'CONFIG_FILE'];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
}

export class ConnectorProcess {
  child: ChildProcess | null = null;
  readonly exits: ProcessExit[] = [];
  starts = 0;
  /** Last lines of output (stdout and stderr), for diagnostics. */
  readonly tail: string[] = [];
  /** Number of output lines per log message (`msg`), over every run of this process. */
  readonly messages = new Map<string, number>();
  private expectingExit = false;

  constructor(
    readonly role: 'worker' | 'bridge',
    readonly healthPort: number,
    private readonly env: Record<string, string>,
    private readonly maxTail = 400,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.role} is already running`);
    this.expectingExit = false;
    const child = spawn(process.execPath, [CLI, this.role], {
      cwd: REPO_ROOT,
      env: { ...baseEnv(), ...this.env, CONNECTOR_HEALTH_PORT: String(this.healthPort), CONNECTOR_HEALTH_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts += 1;
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.tail.push(line);
        if (this.tail.length > this.maxTail) this.tail.shift();
        const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
        if (msg) this.messages.set(msg, (this.messages.get(msg) ?? 0) + 1);
        if (process.env.E2E_DEBUG) process.stderr.write(`[${this.role}] ${line}\n`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const pid = child.pid ?? -1;
    child.once('exit', (code, signal) => {
      this.exits.push({ pid, code, signal, expected: this.expectingExit, at: Date.now() });
    });
  }

  /** Polls /readyz until it answers 200. */
  async waitReady(timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      const res = await getHealth(this.healthPort, 'readyz');
      if (res?.status === 200) return Date.now() - started;
      if (!this.running) throw new Error(`${this.role} exited before it was ready:\n${this.tail.slice(-30).join('\n')}`);
      if (Date.now() - started > timeoutMs) {
        throw new Error(`${this.role} not ready after ${timeoutMs} ms (readyz: ${JSON.stringify(res)}):\n${this.tail.slice(-30).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 20_000): Promise<ProcessExit> {
    const child = this.child;
    if (!child || !this.running) throw new Error(`${this.role} is not running`);
    this.expectingExit = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    return this.exits.at(-1)!;
  }

  async restart(): Promise<void> {
    if (this.running) await this.kill('SIGKILL');
    this.start();
  }

  /** Graceful stop (SIGTERM) if running; resolves with the exit, or null when it was not running. */
  async stop(graceMs = 20_000): Promise<ProcessExit | null> {
    if (!this.running) return null;
    return this.kill('SIGTERM', graceMs);
  }
}
