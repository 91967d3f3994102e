/**
 * The big-domain scenario (50,000 related IPs, 100,000 samples) through the whole pipeline:
 * the cap keeps the most recent, every push message stays far under RabbitMQ's 16 MiB limit, and
 * the work message says what was kept and what was dropped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ET_FIXTURES_DIR } from '../helpers/fixtures';
import { startHarness, type Harness } from '../helpers/harness';

describe('the big-domain scenario', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'big-domain-'));
    execFileSync(process.execPath, [join(ET_FIXTURES_DIR, 'big-domain', 'generate.mjs'), dir]);
    h = await startHarness({ scenarios: ['big-domain'], bigDomainDir: dir });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps 500 of each relation kind, pushes every part under 16 MiB and says so in the work', async () => {
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const { workId } = await h.publishFixture('manual-domain-big.json');
    const work = await h.waitClosed(workId!, 170_000);
    const seconds = (Date.now() - started) / 1000;

    expect(work.inError).toBe(false);
    const message = work.messages.at(-1)?.message ?? '';
    expect(message).toContain('kept 500 of 50,000 related IPs');
    expect(message).toContain('kept 500 of 100,000 related samples');

    const pushed = h.opencti.pushMessages.filter((m) => m.workId === workId);
    expect(pushed.length).toBeGreaterThan(1000);
    const largest = Math.max(...pushed.map((m) => Buffer.byteLength(m.body)));
    expect(largest).toBeLessThan(16 * 1024 * 1024);
    const objects = h.opencti.bundleFor(workId!);
    expect(objects.filter((o) => o.type === 'ipv4-addr' || o.type === 'ipv6-addr')).toHaveLength(500);
    expect(objects.filter((o) => o.type === 'file')).toHaveLength(500);
    console.log(
      `big-domain: ${pushed.length} push messages, largest ${largest} bytes, ${objects.length} objects, ${seconds.toFixed(1)} s, ` +
        `test process RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
  });
});
