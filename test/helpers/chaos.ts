/**
 * Helpers of the chaos test (test/e2e/chaos.test.ts): broker restarts, ET fault injection, and
 * small concurrency utilities. Loopback only; the broker is the local RabbitMQ node.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import type { EtAnswer, FakeEtApi } from '../../src/fakes/et-api/server';
import { readEtAnswer, readEtIndex } from './fixtures';

const run = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** rabbitmqctl as root (directly when we are root, else through non-interactive sudo). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['rabbitmqctl', args] : ['sudo', ['-n', 'rabbitmqctl', ...args]];
  const { stdout } = await run(cmd, argv, { timeout: 120_000 });
  return stdout;
}

/** Stops the RabbitMQ application (connections are closed with CONNECTION_FORCED), waits, starts it again. */
export async function restartRabbitMq(downMs: number): Promise<{ stoppedAt: number; startedAt: number }> {
  await rabbitmqctl('stop_app');
  const stoppedAt = Date.now();
  try {
    await sleep(downMs);
  } finally {
    await rabbitmqctl('start_app');
    await rabbitmqctl('await_startup');
  }
  return { stoppedAt, startedAt: Date.now() };
}

/** Makes sure the broker runs (after a failed test, so later files do not find it stopped). */
export async function ensureRabbitMqRunning(): Promise<void> {
  try {
    const conn = await connect('amqp://guest:guest@127.0.0.1:5672');
    await conn.close();
  } catch {
    await rabbitmqctl('start_app').catch(() => undefined);
    await rabbitmqctl('await_startup').catch(() => undefined);
  }
}

/** Deletes the queues the fake declared for this test's own connector id (nobody else's). */
export async function deleteConnectorQueues(connectorId: string): Promise<void> {
  const conn = await connect('amqp://guest:guest@127.0.0.1:5672');
  try {
    const channel = await conn.createChannel();
    for (const q of [`listen_${connectorId}`, `push_${connectorId}`]) await channel.deleteQueue(q).catch(() => undefined);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export type FaultKind = '429' | '500' | 'slow';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/**
 * Injects transient ET faults: each injection makes the NEXT call on one path fail (429 with
 * Retry-After: 1, or 500) or answer slowly (just under the request timeout), then the fixture's
 * normal 200 again for every later call, so every run can complete.
 */
export class EtFaultInjector {
  /** The fixture's 200 answer per path (`ips/…/asn`). */
  readonly okAnswers = new Map<string, EtAnswer>();
  readonly injected: { path: string; kind: FaultKind; at: number }[] = [];
  private turn = 0;

  constructor(
    private readonly et: FakeEtApi,
    scenarios: readonly string[],
    private readonly slowMs: number,
  ) {
    const index = readEtIndex();
    for (const name of scenarios) {
      for (const file of index.scenarios[name]!.files) {
        if ((file.call_number ?? 1) !== 1) continue;
        const path = file.request.replace(/^GET \/v1\//, '');
        this.okAnswers.set(path, readEtAnswer(name, file.file) as EtAnswer);
      }
    }
  }

  /** Injects `count` faults on distinct paths, rotating through paths and fault kinds. */
  inject(count: number): void {
    const paths = [...this.okAnswers.keys()];
    const kinds: FaultKind[] = ['429', '500', 'slow'];
    for (let i = 0; i < count; i++) {
      const path = paths[this.turn % paths.length]!;
      const kind = kinds[(this.turn + Math.floor(this.turn / paths.length)) % kinds.length]!;
      this.turn += 1;
      const ok = this.okAnswers.get(path)!;
      const fault: EtAnswer =
        kind === '429'
          ? { status: 429, headers: { ...JSON_HEADERS, 'Retry-After': '1' }, body: { success: false, message: 'Rate limit exceeded', response: {} } }
          : kind === '500'
            ? { status: 500, headers: JSON_HEADERS, body: { success: false, message: 'Internal error', response: {} } }
            : { ...ok, delay_ms: this.slowMs };
      this.et.setAnswers(path, [fault, ok]);
      this.injected.push({ path, kind, at: Date.now() });
    }
  }

  /** Injected faults some request actually received (the first call on its path after the injection). */
  served(): Record<FaultKind, number> {
    const counts: Record<FaultKind, number> = { '429': 0, '500': 0, slow: 0 };
    this.injected.forEach((f, i) => {
      const nextOnPath = this.injected.slice(i + 1).find((g) => g.path === f.path)?.at ?? Infinity;
      if (this.et.requests.some((r) => r.path === f.path && r.at >= f.at && r.at < nextOnPath)) counts[f.kind] += 1;
    });
    return counts;
  }
}
