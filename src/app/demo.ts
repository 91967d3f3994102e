/**
 * `npm run demo`: the whole pipeline on one machine, against the bundled fakes. Sends a manual
 * IPv4-Addr, an auto Domain-Name and a manual StixFile (MD5) enrichment through the fake platform's
 * RabbitMQ queue, waits for their works to close, prints what each produced, and a final tally.
 */
import type { Config } from '../config';
import { entityFor } from '../cli/enrich';
import type { Logger } from '../logger';
import { TLP_MARKING_IDS } from '../shared/tlp';
import type { ObservableType, StixObject } from '../shared/types';
import { runConnector } from './run';
import { startSandbox } from './sandbox';

const DEMO_REQUESTS: { type: ObservableType; value: string; mode: 'manual' | 'auto' }[] = [
  { type: 'IPv4-Addr', value: '198.51.100.7', mode: 'manual' },
  { type: 'Domain-Name', value: 'payload-cdn.example.net', mode: 'auto' },
  { type: 'StixFile', value: '8c7dd922ad47494fc02c388e12c00eac', mode: 'manual' },
];

function countByType(objects: StixObject[]): string {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.type, (counts.get(o.type) ?? 0) + 1);
  return [...counts.entries()].map(([t, n]) => `${n} ${t}`).join(', ') || 'nothing';
}

export async function runDemo(config: Config, logger: Logger, print: (line: string) => void, timeoutMs = 120_000): Promise<number> {
  const sandbox = await startSandbox({ ...config, openctiUrl: undefined, openctiToken: undefined, etApiKey: undefined }, logger);
  let running: Awaited<ReturnType<typeof runConnector>> | null = null;
  let completed = 0;
  let failed = 0;
  try {
    running = await runConnector(sandbox.config, { worker: true, bridge: true }, logger);
    const works = [];
    for (const r of DEMO_REQUESTS) {
      const entity = { ...entityFor(r.type, r.value), object_marking_refs: [TLP_MARKING_IDS['TLP:GREEN']] };
      const workId = await sandbox.opencti.askEnrichment(config.connectorId, { entityId: entity.id, entityType: r.type, stixEntity: entity }, r.mode);
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
      } catch (err) {
        failed += 1;
        print(`✗ ${label}: ${(err as Error).message}`);
      }
    }
    if (running.temporal.uiUrl) print(`See the runs in Temporal Web UI: ${running.temporal.uiUrl}`);
  } finally {
    await running?.stop();
    await sandbox.stop();
  }
  print(`demo: ${completed} of ${DEMO_REQUESTS.length} enrichments completed, ${failed} failed`);
  return failed === 0 && completed === DEMO_REQUESTS.length ? 0 : 1;
}
