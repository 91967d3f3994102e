/**
 * Failure classes at the ET edge, counted by the fake ET API: what is retried, when, and how a
 * run's outcome and its work message report what failed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness';

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const IP = '198.51.100.23'; // ip-rich, manual-ipv4.json

describe('ET failures, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenarios: ['ip-rich'], env: { CONNECTOR_WORK_PING_INTERVAL: '1' } });
  });
  afterAll(async () => {
    await h?.stop();
  });
  beforeEach(() => h.et.reset());

  it('a 429 with Retry-After: 2 is retried, and not before 2 s', async () => {
    h.et.setAnswers(`ips/${IP}/reputation`, [
      { status: 429, headers: { ...JSON_HEADERS, 'Retry-After': '2' }, body: { success: false, message: 'Rate limit exceeded', response: {} } },
      { status: 200, headers: JSON_HEADERS, body: { success: true, response: [{ category: 'CnC', score: 99 }] } },
    ]);
    const { workId } = await h.publishFixture('manual-ipv4.json');
    const work = await h.waitClosed(workId!);
    const calls = h.et.requests.filter((r) => r.path === `ips/${IP}/reputation`);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(work.inError).toBe(false);
  });

  it('a 500 is retried with backoff until ET answers', async () => {
    const error = { status: 500, headers: JSON_HEADERS, body: { success: false, message: 'Internal error', response: {} } };
    h.et.setAnswers(`ips/${IP}/asn`, [error, error, { status: 200, headers: JSON_HEADERS, body: { success: true, response: { asn: 64502, owner: 'EXAMPLE-TRANSIT-AS' } } }]);
    const { workId } = await h.publishFixture('manual-ipv4.json');
    const work = await h.waitClosed(workId!);
    const calls = h.et.requests.filter((r) => r.path === `ips/${IP}/asn`);
    expect(calls).toHaveLength(3);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThan(calls[1]!.at - calls[0]!.at); // backoff grows
    expect(work.inError).toBe(false);
    expect(work.messages.at(-1)?.message).toContain('AS64502');
  });

  it('a 403 on one endpoint is not retried: the rest is pushed and the outcome is partial', async () => {
    h.et.setAnswers(`ips/${IP}/geoloc`, [{ status: 403, headers: JSON_HEADERS, body: { success: false, message: 'Forbidden', response: {} } }]);
    const { workId } = await h.publishFixture('manual-ipv4.json');
    const work = await h.waitClosed(workId!);
    expect(h.et.count(`ips/${IP}/geoloc`)).toBe(1);
    expect(work.inError).toBe(false);
    expect(work.messages.at(-1)?.message).toMatch(/Partial result: geolocation failed \(EtAuthError/);
    const objects = h.opencti.bundleFor(workId!);
    expect(objects.some((o) => o.type === 'autonomous-system')).toBe(true);
    expect(objects.some((o) => o.type === 'location')).toBe(false);
    // Visibility is eventually consistent: poll briefly for the run by its outcome.
    const query = `OpenCtiWorkId = '${workId}' AND EtOutcome = 'partial'`;
    const deadline = Date.now() + 10_000;
    let runs: string[] = [];
    while (runs.length === 0 && Date.now() < deadline) {
      runs = [];
      for await (const wf of h.client.workflow.list({ query })) runs.push(wf.workflowId);
      if (runs.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(runs).toEqual([`enrich/${workId}`]);
  });

  it('a 404 is "no data", not an error', async () => {
    h.et.setAnswers(`ips/${IP}/asn`, [{ status: 404, headers: JSON_HEADERS, body: { success: false, message: 'Not Found', response: {} } }]);
    const { workId } = await h.publishFixture('manual-ipv4.json');
    const work = await h.waitClosed(workId!);
    expect(h.et.count(`ips/${IP}/asn`)).toBe(1);
    expect(work.inError).toBe(false);
    expect(work.messages.at(-1)?.message).toContain('no ASN');
    expect(work.messages.at(-1)?.message).not.toContain('Partial');
  });

  it('an ET request that hangs is cut by the request timeout and retried', async () => {
    h.et.setAnswers(`ips/${IP}/domains`, [{ delay_ms: 8000 }, { status: 200, headers: JSON_HEADERS, body: { success: true, response: [] } }]);
    const { workId } = await h.publishFixture('manual-ipv4.json');
    const work = await h.waitClosed(workId!, 90_000);
    const calls = h.et.requests.filter((r) => r.path === `ips/${IP}/domains`);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(5000); // PROOFPOINT_ET_REQUEST_TIMEOUT=5 in the harness
    expect(work.inError).toBe(false);
  });

  it('a long run keeps its work alive with workEdit ping until it closes it', async () => {
    h.et.setAnswers(`ips/${IP}/asn`, [{ status: 500, headers: JSON_HEADERS, body: { success: false, message: 'Internal error', response: {} } }, { status: 200, headers: JSON_HEADERS, body: { success: true, response: { asn: 64502, owner: 'X' } } }]);
    const { workId } = await h.publishFixture('manual-ipv4.json'); // the retry makes the run last about 2 s
    const work = await h.waitClosed(workId!);
    const calls = work.calls.map((c) => c.operation);
    expect(calls.filter((op) => op === 'ping').length).toBeGreaterThanOrEqual(1);
    expect(calls.lastIndexOf('ping')).toBeLessThan(calls.lastIndexOf('toProcessed'));
  });

  it('while a run waits on ET, its current step is readable (Web UI "current details")', async () => {
    h.et.setAnswers(`ips/${IP}/asn`, [{ status: 200, headers: JSON_HEADERS, body: { success: true, response: { asn: 64502, owner: 'X' } }, delay_ms: 3000 }]);
    const { workId } = await h.publishFixture('manual-ipv4.json');
    const handle = h.client.workflow.getHandle(`enrich/${workId}`);
    let details = '';
    const deadline = Date.now() + 10_000;
    while (!details.includes('Querying ET') && Date.now() < deadline) {
      const meta = (await handle.query('__temporal_workflow_metadata').catch(() => null)) as { currentDetails?: string } | null;
      details = meta?.currentDetails ?? '';
      if (!details.includes('Querying ET')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(details).toBe(`Querying ET Intelligence for IPv4-Addr ${IP}: reputation, relatedDomains, relatedSamples, geolocation, asn`);
    await h.waitClosed(workId!);
    // The work is closed a moment before the workflow ends and says it is done.
    await handle.result();
    const done = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(done.currentDetails).toMatch(/^Done: completed\./);
  });
});
