/**
 * Captures real histories of `enrichObservable` for the replay test (test/unit/workflows/replay.test.ts):
 * one run per shape the workflow takes (each trigger, each outcome, a re-run reusing answers), on a dev server of its own, the
 * real broker and the fakes. Run it when the workflow changes shape on purpose, and keep the older
 * files: they are what running workflows of the previous version will replay.
 *
 *   npx tsx scripts/capture-histories.ts [label]     (writes test/histories/<label>-<shape>.json)
 *
 * Needs `npm run services` first (RabbitMQ running, Temporal CLI built) and ../shared/fixtures.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { searchAttributesFor, WORKFLOW_TYPE } from '../src/bridge/start-enrichment';
import { etAnswersOfRun, requestOfRun } from '../src/cli/ops-common';
import { rerunRequest, rerunWorkflowId } from '../src/cli/rerun';
import { startDevServer, TEMPORAL_CLI_PATH } from '../src/temporal/dev-server';
import { startHarness } from '../test/helpers/harness';

const SHAPES: { shape: string; message: string }[] = [
  { shape: 'manual-ipv4-completed', message: 'manual-ipv4.json' },
  { shape: 'auto-domain-completed', message: 'auto-domain.json' },
  { shape: 'manual-file-completed', message: 'manual-file-md5.json' },
  { shape: 'manual-ipv4-partial', message: 'manual-ipv4-partial.json' },
  { shape: 'manual-ipv4-no-data', message: 'manual-ipv4-unknown.json' },
  { shape: 'manual-ipv4-failed', message: 'manual-ipv4-auth-failed.json' },
  { shape: 'playbook-ipv4-completed', message: 'playbook-ipv4.json' },
];

async function main(): Promise<void> {
  const label = process.argv[2] ?? new Date().toISOString().slice(0, 10);
  const temporal = await startDevServer({ uiPort: null });
  const h = await startHarness({ temporalAddress: temporal.address });
  let partialRun: { workflowId: string; runId: string } | null = null;
  try {
    for (const { shape, message } of SHAPES) {
      const before = new Set<string>();
      for await (const wf of h.client.workflow.list({ query: `TaskQueue = '${h.config.temporalTaskQueue}'` })) before.add(wf.workflowId);
      await h.publishFixture(message);
      // The bridge starts the run; find it by its task queue, then wait for it to close.
      let workflowId: string | undefined;
      for (let i = 0; i < 500 && !workflowId; i++) {
        for await (const wf of h.client.workflow.list({ query: `TaskQueue = '${h.config.temporalTaskQueue}'` })) if (!before.has(wf.workflowId)) workflowId = wf.workflowId;
        if (!workflowId) await new Promise((r) => setTimeout(r, 100));
      }
      if (!workflowId) throw new Error(`no workflow started for ${message}`);
      const handle = h.client.workflow.getHandle(workflowId);
      await handle.result().catch(() => undefined);
      // The CLI's JSON is the canonical proto JSON a Web UI download also gives.
      const json = execFileSync(TEMPORAL_CLI_PATH, ['workflow', 'show', '--address', temporal.address, '--workflow-id', workflowId, '--output', 'json'], { encoding: 'utf8' });
      const file = join(__dirname, '..', 'test', 'histories', `${label}-${shape}.json`);
      writeFileSync(file, json.endsWith('\n') ? json : `${json}\n`);
      process.stdout.write(`${file}: ${(JSON.parse(json) as { events: unknown[] }).events.length} events\n`);
      if (shape === 'manual-ipv4-partial') partialRun = { workflowId, runId: (await handle.describe()).runId };
    }
    // A re-run that reuses the partial run's answers (`rerun --reuse-answers`) asks only for the failed call.
    if (!partialRun) throw new Error('no partial run to re-run');
    const now = new Date();
    const request = rerunRequest(await requestOfRun(h.client, partialRun.workflowId, partialRun.runId), now, await etAnswersOfRun(h.client, partialRun.workflowId, partialRun.runId));
    const rerunId = rerunWorkflowId(partialRun.workflowId, now);
    await h.client.workflow.execute(WORKFLOW_TYPE, { workflowId: rerunId, taskQueue: h.config.temporalTaskQueue, args: [request], typedSearchAttributes: searchAttributesFor(request) });
    const json = execFileSync(TEMPORAL_CLI_PATH, ['workflow', 'show', '--address', temporal.address, '--workflow-id', rerunId, '--output', 'json'], { encoding: 'utf8' });
    const file = join(__dirname, '..', 'test', 'histories', `${label}-rerun-ipv4-reused-answers.json`);
    writeFileSync(file, json.endsWith('\n') ? json : `${json}\n`);
    process.stdout.write(`${file}: ${(JSON.parse(json) as { events: unknown[] }).events.length} events\n`);
  } finally {
    await h.stop();
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
