/**
 * An operator may raise PROOFPOINT_ET_MAX_RELATED_PER_KIND far above the default. The run must still
 * complete: the bundle never travels through Temporal's history (whose payloads are refused above
 * 2 MB), and no payload there comes near that limit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ET_FIXTURES_DIR } from '../helpers/fixtures';
import { startHarness, type Harness } from '../helpers/harness';

/** Every payload of a history, by size: inputs, results, failures' details, search attributes. */
function payloadSizes(events: unknown[]): number[] {
  const sizes: number[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (node instanceof Uint8Array) return;
    const maybe = node as { data?: unknown; metadata?: unknown };
    if (maybe.data instanceof Uint8Array && maybe.metadata && typeof maybe.metadata === 'object') {
      sizes.push(maybe.data.byteLength);
      return;
    }
    for (const value of Object.values(node)) walk(value);
  };
  events.forEach(walk);
  return sizes;
}

describe('a big domain with a raised per-kind cap', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'big-domain-cap-'));
    execFileSync(process.execPath, [join(ET_FIXTURES_DIR, 'big-domain', 'generate.mjs'), dir]);
    h = await startHarness({ scenarios: ['big-domain'], bigDomainDir: dir, env: { PROOFPOINT_ET_MAX_RELATED_PER_KIND: '5000' } });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps 5,000 of each kind, completes, and keeps every history payload under 1 MiB', async () => {
    const { workId } = await h.publishFixture('manual-domain-big.json');
    const work = await h.waitClosed(workId!, 170_000);

    expect(work.inError, work.messages.at(-1)?.message ?? undefined).toBe(false);
    const message = work.messages.at(-1)?.message ?? '';
    expect(message).toContain('kept 5,000 of 50,000 related IPs');
    expect(message).toContain('kept 5,000 of 100,000 related samples');
    const objects = h.opencti.bundleFor(workId!);
    expect(objects.filter((o) => o.type === 'ipv4-addr' || o.type === 'ipv6-addr')).toHaveLength(5000);
    expect(objects.filter((o) => o.type === 'file')).toHaveLength(5000);

    const [workflowId] = await h.workflowsForWork(workId!);
    const history = await h.client.workflow.getHandle(workflowId!.split('/').slice(0, -1).join('/')).fetchHistory();
    const sizes = payloadSizes(history.events ?? []);
    const largest = Math.max(...sizes);
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(`raised cap: ${objects.length} objects pushed; history payloads: ${sizes.length}, largest ${largest} bytes, total ${total} bytes`);
    expect(largest).toBeLessThan(1024 * 1024);
  });
});
