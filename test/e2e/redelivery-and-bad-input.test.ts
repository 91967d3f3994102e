/**
 * Delivery guarantees of the bridge on the real broker: a message delivered twice starts one
 * workflow and pushes one bundle; unreadable messages are acknowledged with a logged reason, their
 * work (when they name one) is closed in error, and the consumer keeps consuming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMessage } from '../helpers/fixtures';
import { freshRequest, startHarness, type Harness } from '../helpers/harness';

describe('the bridge on the real broker', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenarios: ['ip-rich', 'domain-rich'] });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a request delivered twice yields one workflow and one pushed bundle', async () => {
    const { workId, body } = freshRequest(readMessage('manual-ipv4.json'), h.config.connectorId);
    const etBefore = h.et.requests.length;
    await h.publishRaw(body);
    await h.publishRaw(body);
    const work = await h.waitClosed(workId!);
    // Let the second delivery be handled before counting.
    await h.opencti.waitFor(() => h.bridge.stats.duplicates >= 1);

    expect(await h.workflowsForWork(workId!)).toHaveLength(1);
    expect(h.et.requests.length - etBefore).toBe(5);
    const parts = h.opencti.partsFor(workId!);
    const ids = parts.flatMap((p) => (p.bundle.objects as { id: string }[]).map((o) => o.id));
    expect(new Set(ids).size).toBe(ids.length); // each object pushed once
    expect(work.completed_number).toBe(parts.length);
    expect(work.transitions.filter((t) => t.to === 'complete')).toHaveLength(1);
  });

  it.each(['malformed-not-json.txt', 'malformed-missing-entity-id.json', 'malformed-stix-entity-unparseable.json', 'malformed-wrong-types.json'])(
    '%s is acknowledged with a logged reason and does not stop the consumer',
    async (name) => {
      const bad = freshRequest(readMessage(name), h.config.connectorId);
      const invalidBefore = h.bridge.stats.invalid;
      await h.publishRaw(bad.body);
      await h.opencti.waitFor(() => h.bridge.stats.invalid > invalidBefore);
      expect(h.logs.some((l) => l.includes('Dropped an unreadable enrichment request'))).toBe(true);
      if (bad.workId) {
        const work = await h.waitClosed(bad.workId);
        expect(work.inError).toBe(true);
        expect(work.errors.at(-1)?.message).toMatch(/could not read this request/);
      }
      // A good request right after is still enriched.
      const good = await h.publishFixture('auto-domain.json');
      const work = await h.waitClosed(good.workId!);
      expect(work.inError).toBe(false);
      // Nothing is left unacknowledged on the listen queue.
      expect(h.bridge.consumer.state).toBe('consuming');
    },
  );
});
