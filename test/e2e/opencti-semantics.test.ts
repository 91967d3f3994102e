/**
 * How the connector behaves toward OpenCTI: the max-TLP gate, playbooks that never stall, one
 * truthful work per request, and no enrichment storms from automatic triggers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityId } from '../../src/stix/ids';
import { TLP_MARKING_IDS } from '../../src/shared/tlp';
import { readMessage } from '../helpers/fixtures';
import { freshRequest, startHarness, type Harness } from '../helpers/harness';

/** A fixture message with its entity changed by `edit` (and a fresh work id). */
function edited(name: string, connectorId: string, edit: (entity: Record<string, unknown>, msg: Record<string, any>) => void): { workId: string | null; body: Buffer } {
  const msg = JSON.parse(readMessage(name).toString('utf8'));
  const entity = JSON.parse(msg.event.stix_entity);
  edit(entity, msg);
  msg.event.stix_entity = JSON.stringify(entity);
  return freshRequest(Buffer.from(JSON.stringify(msg)), connectorId);
}

describe('OpenCTI semantics (maximum TLP:AMBER)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { PROOFPOINT_ET_MAX_TLP: 'TLP:AMBER' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it.each([
    ['TLP:GREEN', false],
    ['TLP:AMBER+STRICT', true],
    ['TLP:RED', true],
  ] as const)('an entity marked %s against maximum TLP:AMBER is refused: %s', async (tlp, refused) => {
    const req = edited('manual-ipv4.json', h.config.connectorId, (e) => (e.object_marking_refs = [TLP_MARKING_IDS[tlp]]));
    const before = h.et.requests.length;
    await h.publishRaw(req.body);
    const work = await h.waitClosed(req.workId!);
    if (refused) {
      expect(work.inError).toBe(true);
      expect(work.errors.at(-1)?.message).toContain(`marked ${tlp}, above the connector's maximum TLP:AMBER`);
      expect(h.et.requests.length).toBe(before);
      expect(await h.workflowsForWork(req.workId!)).toEqual([]);
    } else {
      expect(work.inError).toBe(false);
      expect(h.et.requests.length - before).toBe(5);
    }
  });

  it('a playbook whose ET calls all fail gets its bundle back unchanged; the failure stays in the run', async () => {
    for (const suffix of ['reputation', 'domains', 'samples', 'geoloc', 'asn']) {
      h.et.setAnswers(`ips/198.51.100.23/${suffix}`, [{ status: 403, headers: { 'Content-Type': 'application/json' }, body: { success: false, message: 'Forbidden', response: {} } }]);
    }
    try {
      const { body } = await h.publishFixture('playbook-ipv4.json');
      const msg = JSON.parse(body.toString('utf8'));
      const execution = await h.opencti.waitFor(() => h.opencti.playbookExecutions.find((e) => e.args.execution_id === msg.internal.playbook.execution_id));
      expect(execution.args.bundle).toBe(JSON.stringify(msg.event.bundle));
      const runs = [];
      for await (const wf of h.client.workflow.list({ query: `OpenCtiEntityId = '${msg.event.entity_id}' AND EtTrigger = 'playbook'` })) runs.push(wf);
      const run = runs.find((r) => r.workflowId.includes(msg.internal.playbook.execution_id));
      expect(run, 'the playbook run is listed by entity and trigger').toBeDefined();
      const outcome = await h.client.workflow.getHandle(run!.workflowId).result().then(
        () => 'completed',
        (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
      );
      expect(outcome).toMatch(/every ET call failed.*EtAuthError/);
    } finally {
      h.et.reset();
    }
  });

  it('an out-of-scope playbook entity is handed back unchanged at once', async () => {
    const msg = JSON.parse(readMessage('playbook-ipv4.json').toString('utf8'));
    const entity = msg.event.bundle.objects.find((o: { id: string }) => o.id === msg.event.entity_id);
    entity.extensions['extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba'].type = 'IPv6-Addr';
    const { body } = freshRequest(Buffer.from(JSON.stringify(msg)), h.config.connectorId);
    const sent = JSON.parse(body.toString('utf8'));
    const before = h.et.requests.length;
    await h.publishRaw(body);
    const execution = await h.opencti.waitFor(() => h.opencti.playbookExecutions.find((e) => e.args.execution_id === sent.internal.playbook.execution_id));
    expect(execution.args.bundle).toBe(JSON.stringify(sent.event.bundle));
    expect(h.et.requests.length).toBe(before);
  });

  it('20 automatic requests for one observable make one run call ET; every work says what happened', async () => {
    const before = h.et.requests.length;
    const requests = Array.from({ length: 20 }, () => freshRequest(readMessage('auto-domain.json'), h.config.connectorId));
    for (const r of requests) await h.publishRaw(r.body);
    const works = await Promise.all(requests.map((r) => h.waitClosed(r.workId!)));
    expect(h.et.requests.length - before).toBe(3); // one run: reputation, ips, samples
    expect(works.every((w) => !w.inError)).toBe(true);
    const reused = works.filter((w) => /ET was not called again/.test(w.messages.at(-1)?.message ?? ''));
    expect(reused).toHaveLength(19);
  });

  it('a manual request always runs fresh, even right after an automatic one', async () => {
    const before = h.et.requests.length;
    const manual = edited('auto-domain.json', h.config.connectorId, (_e, msg) => (msg.internal.mode = 'manual'));
    await h.publishRaw(manual.body);
    const work = await h.waitClosed(manual.workId!);
    expect(work.messages.at(-1)?.message).toMatch(/added/);
    expect(h.et.requests.length - before).toBe(3);
  });

  it('an entity our own enrichment created is not auto-enriched again', async () => {
    const own = identityId(h.config.connectorName, 'organization');
    const req = edited('auto-domain.json', h.config.connectorId, (e) => {
      e.value = 'cdn-7.example.com';
      (e.extensions as Record<string, Record<string, unknown>>)['extension-definition--f93e2c80-4231-4f9a-af8b-95c9bd566a82']!.created_by_ref = own;
    });
    const before = h.et.requests.length;
    await h.publishRaw(req.body);
    const work = await h.waitClosed(req.workId!);
    expect(work.messages.at(-1)?.message).toMatch(/created by this connector/);
    expect(h.et.requests.length).toBe(before);
  });
});
