/**
 * Determinism guard: the current workflow code must replay the recorded histories of every shape a
 * run takes (captured from real runs by scripts/capture-histories.ts). A change that reorders,
 * renames or adds activities or timers without `patched()` fails here instead of breaking the
 * workflows that are running when a new worker version is deployed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../../src/worker';

const DIR = join(__dirname, '..', '..', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded enrichObservable histories', () => {
  it('has a history for each trigger and outcome', () => {
    for (const shape of ['manual-ipv4-completed', 'auto-domain-completed', 'manual-file-completed', 'manual-ipv4-partial', 'manual-ipv4-no-data', 'manual-ipv4-failed', 'playbook-ipv4-completed', 'rerun-ipv4-reused-answers']) {
      expect(files.some((f) => f.endsWith(`-${shape}.json`)), shape).toBe(true);
    }
  });

  it.each(files)('%s replays with the current workflow code', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
    // Resolves when every recorded command matches; throws DeterminismViolationError otherwise.
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay/${file}`)).resolves.toBeUndefined();
  });
});
