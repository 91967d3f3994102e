/**
 * The ET request budget holds for the whole deployment: with two workers polling the same
 * queues, the fake ET API never sees more requests per second than PROOFPOINT_ET_MAX_REQUESTS_PER_SECOND,
 * and every run still completes (over budget, work waits; it does not fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness';

const BUDGET = 5; // requests per second

/** The largest number of requests inside any sliding window of `ms`. */
function peak(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= ms) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('ET request budget across workers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenarios: ['ip-rich'], env: { PROOFPOINT_ET_MAX_REQUESTS_PER_SECOND: String(BUDGET) } });
    await h.addWorker();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it(`two workers together never exceed ${BUDGET} ET requests per second, and all runs complete`, async () => {
    const before = h.et.requests.length;
    const works = await Promise.all(Array.from({ length: 8 }, () => h.publishFixture('manual-ipv4.json')));
    const closed = await Promise.all(works.map((w) => h.waitClosed(w.workId!, 120_000)));
    expect(closed.every((w) => !w.inError)).toBe(true);

    const times = h.et.requests.slice(before).map((r) => r.at);
    expect(times).toHaveLength(8 * 5);
    // The acceptance: no one-second window ever holds more requests than the budget.
    expect(peak(times, 1000)).toBeLessThanOrEqual(BUDGET);
    const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
    console.log(`ET budget ${BUDGET}/s: ${times.length} requests in ${spanSeconds.toFixed(1)} s, peak in any 1 s window ${peak(times, 1000)}`);
  });
});
