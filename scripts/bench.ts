/**
 * Benchmark: enrichments end to end on the real services (Temporal dev server, RabbitMQ) with the
 * fakes, in one process, and the figures an operator asks for: throughput, latency from the
 * request on the queue to the work closed, and the process's peak memory; then the big-domain
 * scenario (50,000 IPs, 100,000 samples) alone.
 *
 *   npx tsx scripts/bench.ts [enrichments=200] [concurrency=50]
 *
 * Needs `npm run services` first (RabbitMQ running, Temporal CLI built) and ../shared/fixtures.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { startBridge } from '../src/bridge';
import { loadConfig } from '../src/config';
import { startFakeEtApi } from '../src/fakes/et-api/server';
import { startFakeOpenCti } from '../src/fakes/opencti';
import { createLogger } from '../src/logger';
import { OpenCtiApi } from '../src/opencti/api';
import { startDevServer } from '../src/temporal/dev-server';
import { installRuntime } from '../src/temporal/runtime';
import { createEnrichmentWorker } from '../src/worker';

const FIXTURES = process.env.FIXTURES_DIR ?? join(__dirname, '../../shared/fixtures');
const KEY = 'fixture-et-api-key-7f3c';
const TOKEN = 'bench-token-7d1e';
const NOW = new Date('2026-08-20T12:00:00Z');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function request(name: string, connectorId: string): { workId: string; body: Buffer } {
  const text = readFileSync(join(FIXTURES, 'opencti/messages', name), 'utf8');
  const workId = `work_${connectorId}_${new Date().toISOString()}_${randomUUID().slice(0, 8)}`;
  return { workId, body: Buffer.from(text.replace(/"work_id":"work_[^"]+"/, `"work_id":"${workId}"`)) };
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 200);
  const concurrency = Number(process.argv[3] ?? 50);
  installRuntime('error');
  const logger = createLogger({}, () => undefined);
  const bigDir = mkdtempSync(join(tmpdir(), 'bench-big-'));
  execFileSync(process.execPath, [join(FIXTURES, 'et-api/big-domain/generate.mjs'), bigDir]);
  const temporal = await startDevServer({});
  const et = await startFakeEtApi({ apiKey: KEY, fixturesDir: join(FIXTURES, 'et-api'), scenarios: ['ip-rich', 'domain-rich', 'file-md5', 'big-domain'], bigDomainDir: bigDir });
  const opencti = await startFakeOpenCti({ token: TOKEN, logger });
  const connectorId = randomUUID();
  const config = loadConfig({
    OPENCTI_URL: opencti.url,
    OPENCTI_TOKEN: TOKEN,
    CONNECTOR_ID: connectorId,
    PROOFPOINT_ET_API_BASE_URL: et.baseUrl,
    PROOFPOINT_ET_API_KEY: KEY,
    TEMPORAL_ADDRESS: temporal.address,
  });
  const connection = await Connection.connect({ address: temporal.address });
  const native = await NativeConnection.connect({ address: temporal.address });
  const worker = await createEnrichmentWorker({ config, connection: native, withOpenCti: true, now: () => NOW });
  const running = worker.run();
  const bridge = await startBridge({ config, api: new OpenCtiApi({ url: opencti.url, token: TOKEN }), client: new Client({ connection }), logger });
  const baseRss = process.memoryUsage().rss;

  try {
    // 1. Many ordinary enrichments (IPv4, domain, file), `concurrency` in flight at a time.
    const kinds = ['manual-ipv4.json', 'manual-file-md5.json', 'manual-ipv4.json'];
    const latencies: number[] = [];
    // The same runs cut in three: request -> workflow started (bridge), workflow start -> close
    // (the connector's own work: ET calls, STIX, push), close -> work closed (the platform's import).
    const phases = { bridge: [] as number[], workflow: [] as number[], platform: [] as number[] };
    const client = new Client({ connection });
    let next = 0;
    const started = Date.now();
    const lane = async () => {
      while (next < total) {
        const i = next++;
        const { workId, body } = request(kinds[i % kinds.length]!, connectorId);
        const t0 = Date.now();
        await opencti.publishRequest(connectorId, body);
        const work = await opencti.waitForWork(workId, (w) => w.status === 'complete' && w.processed_time !== null, 300_000);
        if (work.inError) throw new Error(`work ${workId} closed in error`);
        const t1 = Date.now();
        latencies.push(t1 - t0);
        const run = await client.workflow.getHandle(`enrich/${workId}`).describe();
        const wfStart = run.startTime.getTime();
        const wfClose = run.closeTime?.getTime() ?? t1;
        phases.bridge.push(wfStart - t0);
        phases.workflow.push(wfClose - wfStart);
        phases.platform.push(t1 - wfClose);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const seconds = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `enrichments: ${total} in ${seconds.toFixed(1)} s = ${(total / seconds).toFixed(1)}/s (concurrency ${concurrency}); ` +
        `latency p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${latencies.at(-1)} ms; ` +
        `ET requests ${et.requests.length}; process RSS ${mib(baseRss)} -> peak ${mib(peakRss)}\n`,
    );
    const p = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `p50 ${percentile(sorted, 50)} ms, p95 ${percentile(sorted, 95)} ms`;
    };
    process.stdout.write(
      `  of which: request -> workflow started (bridge) ${p(phases.bridge)}; workflow start -> close (connector) ${p(phases.workflow)}; ` +
        `workflow closed -> work closed (fake platform import) ${p(phases.platform)}\n`,
    );

    // 2. The big domain alone.
    peakRss = process.memoryUsage().rss;
    const before = peakRss;
    const big = request('manual-domain-big.json', connectorId);
    const t0 = Date.now();
    await opencti.publishRequest(connectorId, big.body);
    const work = await opencti.waitForWork(big.workId, (w) => w.status === 'complete' && w.processed_time !== null, 300_000);
    const parts = opencti.pushMessages.filter((m) => m.workId === big.workId);
    const largest = Math.max(...parts.map((m) => Buffer.byteLength(m.body)));
    process.stdout.write(
      `big-domain: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${parts.length} push messages (largest ${largest} bytes), ` +
        `RSS ${mib(before)} -> peak ${mib(peakRss)}; work: ${(work.messages.at(-1)?.message ?? "").slice(0, 160)}…\n`,
    );
  } finally {
    clearInterval(sampler);
    await bridge.stop();
    worker.shutdown();
    await running;
    await worker.close();
    await native.close();
    await connection.close();
    await opencti.close();
    await et.close();
    await temporal.stop();
    rmSync(bigDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
