/**
 * `npm run demo`: the whole pipeline on one machine, against the bundled fakes. Sends a manual
 * IPv4-Addr, an auto Domain-Name and a manual StixFile (MD5) enrichment through the fake platform's
 * RabbitMQ queue, waits for their works to close, prints what each produced, and a final tally.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { entityFor } from '../cli/enrich';
import type { Logger } from '../logger';
import { TLP_MARKING_IDS } from '../shared/tlp';
import type { ObservableType, StixObject } from '../shared/types';
import { runConnector } from './run';
import { startSandbox } from './sandbox';

const DEMO_REQUESTS: { type: ObservableType; value: string; mode: 'manual' | 'auto' }[] = [
  { type: 'IPv4-Addr', value: '198.51.100.7', mode: 'manual' },
  // A fresh name each run: a repeated automatic request would (rightly) reuse the previous run.
  { type: 'Domain-Name', value: `demo-${randomBytes(3).toString('hex')}.example.net`, mode: 'auto' },
  { type: 'StixFile', value: '8c7dd922ad47494fc02c388e12c00eac', mode: 'manual' },
];

/** Waits until the workflow that served a work is closed (found by the OpenCtiWorkId search attribute). */
async function waitForRun(client: Client, workId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const notFoundBy = Date.now() + 5000; // a request that needed no run (refused, reused) has none
  while (Date.now() < deadline) {
    let found = false;
    for await (const wf of client.workflow.list({ query: `OpenCtiWorkId = '${workId}'` })) {
      found = true;
      if (wf.status.name !== 'RUNNING') return;
    }
    if (!found && Date.now() > notFoundBy) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function countByType(objects: StixObject[]): string {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.type, (counts.get(o.type) ?? 0) + 1);
  return [...counts.entries()].map(([t, n]) => `${n} ${t}`).join(', ') || 'nothing';
}

export async function runDemo(config: Config, logger: Logger, print: (line: string) => void, timeoutMs = 120_000): Promise<number> {
  // Isolated from any real deployment: the fakes, a connector id and task queue of its own (a
  // production worker on the same Temporal server never picks up the demo's tasks).
  const own = randomBytes(4).toString('hex');
  const isolated: Config = {
    ...config,
    openctiUrl: undefined,
    openctiToken: undefined,
    etApiKey: undefined,
    connectorId: randomUUID(),
    temporalTaskQueue: `et-connector-demo-${own}`,
    healthPort: undefined,
    metricsPort: undefined,
  };
  const sandbox = await startSandbox(isolated, logger, 'the demo always runs against the bundled fakes');
  let running: Awaited<ReturnType<typeof runConnector>> | null = null;
  let completed = 0;
  let failed = 0;
  try {
    running = await runConnector(sandbox.config, { worker: true, bridge: true }, logger);
    const works = [];
    for (const r of DEMO_REQUESTS) {
      const entity = { ...entityFor(r.type, r.value), object_marking_refs: [TLP_MARKING_IDS['TLP:GREEN']] };
      const workId = await sandbox.opencti.askEnrichment(isolated.connectorId, { entityId: entity.id, entityType: r.type, stixEntity: entity }, r.mode);
      works.push({ ...r, workId });
    }
    for (const w of works) {
      const label = `${w.mode} ${w.type} ${w.value}`;
      try {
        // Complete and processed: the worker may complete the work before the connector's final message.
        const work = await sandbox.opencti.waitForWork(w.workId, (wk) => wk.status === 'complete' && wk.processed_time !== null, timeoutMs);
        const bundle = sandbox.opencti.bundleFor(w.workId);
        if (work.inError) {
          failed += 1;
          print(`✗ ${label}: work closed in error: ${work.errors.at(-1)?.message ?? 'no message'}`);
        } else {
          completed += 1;
          print(`✓ ${label}: ${countByType(bundle)}`);
          print(`    work message: ${work.messages.at(-1)?.message ?? ''}`);
        }
        // The work closes just before the workflow does: let the run finish before stopping the worker.
        await waitForRun(running.client, w.workId, timeoutMs);
      } catch (err) {
        failed += 1;
        print(`✗ ${label}: ${(err as Error).message}`);
      }
    }
    if (running.temporal.uiUrl) print(`These runs are kept in the embedded Temporal server: run \`npm start\` and open ${running.temporal.uiUrl} to browse them.`);
  } finally {
    await running?.stop();
    // This run's connector id is its own: drop its queues so demos do not pile them up on the broker.
    await sandbox.opencti.deleteConnector(isolated.connectorId).catch(() => undefined);
    await sandbox.stop();
  }
  print(`demo: ${completed} of ${DEMO_REQUESTS.length} enrichments completed, ${failed} failed`);
  return failed === 0 && completed === DEMO_REQUESTS.length ? 0 : 1;
}
