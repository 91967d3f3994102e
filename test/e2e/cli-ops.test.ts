/**
 * `et-connector status` and `et-connector rerun`, as an operator runs them: the CLI is a child
 * process talking to the real Temporal dev server, and the harness's worker (on the task queue the
 * CLI is given) executes the re-runs against the fake ET API and the fake OpenCTI platform.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { entityFor } from '../../src/cli/enrich';
import { EtRerunOf, EtTrigger } from '../../src/shared/search-attributes';
import { readEtAnswer } from '../helpers/fixtures';
import { startHarness, type Harness } from '../helpers/harness';
import { runCli } from '../helpers/run-cli';

/** Waits until Temporal has closed the run (the work is closed a moment before the workflow ends). */
async function waitWorkflowClosed(client: Client, workflowId: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.status.name !== 'RUNNING') return d.status.name;
    if (Date.now() > deadline) throw new Error(`${workflowId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runsOf(client: Client, query: string): Promise<{ workflowId: string; runId: string; trigger?: string; rerunOf?: string }[]> {
  const out: { workflowId: string; runId: string; trigger?: string; rerunOf?: string }[] = [];
  for await (const wf of client.workflow.list({ query })) {
    out.push({ workflowId: wf.workflowId, runId: wf.runId, trigger: wf.typedSearchAttributes.get(EtTrigger), rerunOf: wf.typedSearchAttributes.get(EtRerunOf) });
  }
  return out;
}

/** Publishes a fixture, waits until its work is closed and its workflow ended; returns the workflow id. */
async function enrichFixture(h: Harness, name: string): Promise<{ workId: string; workflowId: string }> {
  const { workId } = await h.publishFixture(name);
  await h.waitClosed(workId!);
  const workflowId = `enrich/${workId}`;
  await waitWorkflowClosed(h.client, workflowId);
  return { workId: workId!, workflowId };
}

const IP_RICH = '198.51.100.23';
const IP_RICH_ENTITY = 'ipv4-addr--cec0294c-86c8-52cc-8448-ba43593736df';
const IP_AUTH_FAILED = '203.0.113.200';
const MD5 = '08d9f42e95558080483d28154e573c8f';
const FILE_ENTITY = 'file--3cbee695-5154-5346-83bf-9a40e1840950';

describe('et-connector status and rerun', () => {
  let h: Harness;
  let env: Record<string, string>;
  let tmp: string;
  let okRun: { workId: string; workflowId: string };

  beforeAll(async () => {
    h = await startHarness();
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: h.config.temporalTaskQueue,
      OPENCTI_URL: h.config.openctiUrl!,
      OPENCTI_TOKEN: h.config.openctiToken!,
      CONNECTOR_ID: h.config.connectorId,
      PROOFPOINT_ET_API_BASE_URL: h.config.etBaseUrl,
      PROOFPOINT_ET_API_KEY: h.config.etApiKey!,
    };
    tmp = mkdtempSync(join(tmpdir(), 'et-cli-ops-'));
    okRun = await enrichFixture(h, 'manual-ipv4.json');
  });
  afterAll(async () => {
    await h?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('status shows the outcome, trigger, observable, times and work message of a run', async () => {
    const { code, stdout, stderr } = await runCli(['status', okRun.workflowId], env);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Workflow\s+enrich\/work_/m);
    expect(stdout).toMatch(/^Status\s+Completed$/m);
    expect(stdout).toMatch(/^Outcome\s+completed$/m);
    expect(stdout).toMatch(/^Trigger\s+manual$/m);
    expect(stdout).toContain(`IPv4-Addr ${IP_RICH} (${IP_RICH_ENTITY})`);
    expect(stdout).toMatch(new RegExp(`^Work\\s+${okRun.workId}$`, 'm'));
    expect(stdout).toMatch(/^Started\s+\d{4}-\d\d-\d\dT/m);
    expect(stdout).toMatch(/^Closed\s+\d{4}-\d\d-\d\dT.*\(after /m);
    expect(stdout).toMatch(/^Message\s+ProofPoint ET Intelligence: IPv4-Addr 198\.51\.100\.23: added /m);

    const json = await runCli(['status', okRun.workflowId, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const s = JSON.parse(json.stdout);
    expect(s).toMatchObject({ workflowId: okRun.workflowId, status: 'Completed', outcome: 'completed', trigger: 'manual', value: IP_RICH, workId: okRun.workId });
    expect(s.objectCount).toBeGreaterThan(0);
    // --run names the same run.
    const byRun = await runCli(['status', okRun.workflowId, '--run', s.runId, '--json'], env);
    expect(JSON.parse(byRun.stdout).runId).toBe(s.runId);
  });

  it('status of an unknown workflow says so and exits 1; bad arguments exit 2', async () => {
    const unknown = await runCli(['status', 'enrich/no-such-run'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no run enrich/no-such-run');
    const bad = await runCli(['status'], env);
    expect(bad.code).toBe(2);
    const badOption = await runCli(['rerun', '--failed'], env);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--since');
  });

  it('a mistyped run id is an unknown run, not a crash', async () => {
    const status = await runCli(['status', 'enrich/no-such-run', '--run', 'not-a-run'], env);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe('status: no run enrich/no-such-run (run not-a-run) in namespace default\n');
    const rerun = await runCli(['rerun', 'enrich/no-such-run', '--run', 'garbage'], env);
    expect(rerun.code).toBe(1);
    expect(rerun.stderr).toContain('rerun: no run enrich/no-such-run (run garbage)');
    expect(rerun.stderr).not.toContain('ServiceError');
  });

  it('rerun <workflowId> starts a new workflow (EtRerunOf = old id) that pushes the bundle without a work; the old run is untouched', async () => {
    const before = await h.client.workflow.getHandle(okRun.workflowId).describe();
    const workBefore = h.opencti.work(okRun.workId)!;
    const workless = h.opencti.pushMessages.filter((m) => m.workId === null).length;

    const { code, stdout, stderr } = await runCli(['rerun', okRun.workflowId], env);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Re-run of\\s+${okRun.workflowId.replace(/[.]/g, '\\.')} \\(run ${before.runId}\\)$`, 'm'));
    expect(stdout).toMatch(/^Outcome\s+completed$/m);
    const newId = /^Workflow\s+(\S+)$/m.exec(stdout)?.[1];
    expect(newId).toMatch(new RegExp(`^${okRun.workflowId}/rerun/\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`));

    const d = await h.client.workflow.getHandle(newId!).describe();
    expect(d.status.name).toBe('COMPLETED');
    expect(d.taskQueue).toBe(h.config.temporalTaskQueue);
    expect(d.typedSearchAttributes.get(EtRerunOf)).toBe(okRun.workflowId);
    expect(d.typedSearchAttributes.get(EtTrigger)).toBe('rerun');
    const history = await h.client.workflow.getHandle(newId!).fetchHistory();
    const { defaultPayloadConverter } = await import('@temporalio/common');
    const request = defaultPayloadConverter.fromPayload<Record<string, unknown>>(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!);
    expect(request).toMatchObject({ trigger: 'rerun', workId: null, playbook: null, entityId: IP_RICH_ENTITY, value: IP_RICH });

    // Pushed to the platform without a work id; the enriched entity is in it.
    const pushed = h.opencti.pushMessages.filter((m) => m.workId === null);
    expect(pushed.length).toBeGreaterThan(workless);
    expect(h.opencti.parts.some((p) => p.workId === null && p.bundle.objects.some((o) => o.id === IP_RICH_ENTITY))).toBe(true);

    // The old run and its work are as they were: same run, no reset, no new work report.
    const after = await h.client.workflow.getHandle(okRun.workflowId).describe();
    expect(after.runId).toBe(before.runId);
    expect(after.historyLength).toBe(before.historyLength);
    expect(h.opencti.work(okRun.workId)!.transitions).toEqual(workBefore.transitions);

    // status lists the re-run on the old run, and status --value shows both, newest first.
    const status = await runCli(['status', okRun.workflowId], env);
    expect(status.stdout).toMatch(new RegExp(`^Re-run\\s+${newId} Completed \\(completed\\)`, 'm'));
    const byValue = await runCli(['status', '--value', IP_RICH, '--json'], env);
    const runs = JSON.parse(byValue.stdout) as { workflowId: string; trigger: string }[];
    expect(runs[0]).toMatchObject({ workflowId: newId, trigger: 'rerun' });
    expect(runs.map((r) => r.workflowId)).toContain(okRun.workflowId);
    const table = await runCli(['status', '--value', IP_RICH], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^STARTED\s+STATUS\s+OUTCOME\s+TRIGGER\s+WORKFLOW ID\s+RUN ID$/);
  });

  it('rerun --entity re-runs the latest enrichment of that entity', async () => {
    const first = await enrichFixture(h, 'manual-file-md5.json');
    const latest = await enrichFixture(h, 'manual-file-md5.json');
    const { code, stdout, stderr } = await runCli(['rerun', '--entity', FILE_ENTITY], env);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Re-run of\\s+${latest.workflowId.replace(/[.]/g, '\\.')} `, 'm'));
    expect(stdout).toMatch(/^Outcome\s+completed$/m);
    const newId = /^Workflow\s+(\S+)$/m.exec(stdout)![1]!;
    const d = await h.client.workflow.getHandle(newId).describe();
    expect(d.typedSearchAttributes.get(EtRerunOf)).toBe(latest.workflowId);
    expect((await runsOf(h.client, `EtRerunOf = '${first.workflowId}'`)).length).toBe(0);

    // --no-wait: starts it and returns; the worker finishes it.
    const noWait = await runCli(['rerun', '--entity', FILE_ENTITY, '--no-wait'], env);
    expect(noWait.code, noWait.stderr).toBe(0);
    expect(noWait.stdout).toMatch(/^Outcome\s+\(not waited for: et-connector status \S+\)$/m);
    const started = /^Workflow\s+(\S+)$/m.exec(noWait.stdout)![1]!;
    expect(started).not.toBe(newId);
    expect(((await h.client.workflow.getHandle(started).result()) as { outcome: string }).outcome).toBe('completed');

    const none = await runCli(['rerun', '--entity', 'file--00000000-0000-4000-8000-000000000000'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no enrichment run of entity');
  });

  it('rerun --failed --since re-runs exactly the failed runs of the range, once', async () => {
    const since = new Date();
    const failedA = await enrichFixture(h, 'manual-ipv4-auth-failed.json');
    const failedB = await enrichFixture(h, 'manual-ipv4-auth-failed.json');
    const succeeded = await enrichFixture(h, 'manual-ipv4.json');
    expect(await waitWorkflowClosed(h.client, failedA.workflowId)).toBe('FAILED');
    expect(await waitWorkflowClosed(h.client, failedB.workflowId)).toBe('FAILED');
    const until = new Date(Date.now() + 1000);

    // status of a failed run shows the failure as the work message.
    const st = await runCli(['status', failedA.workflowId], env);
    expect(st.stdout).toMatch(/^Status\s+Failed$/m);
    expect(st.stdout).toMatch(/^Outcome\s+failed$/m);
    expect(st.stdout).toMatch(/^Failure\s+EnrichmentFailed: ProofPoint ET Intelligence: enrichment of IPv4-Addr 203\.0\.113\.200 failed, every ET call failed/m);
    expect(st.stdout).toMatch(/^Failed call\s+reputation: EtAuthError: /m);

    // ET accepts the key again for that address.
    for (const endpoint of ['reputation', 'domains', 'samples', 'geoloc', 'asn']) {
      h.et.setAnswers(`ips/${IP_AUTH_FAILED}/${endpoint}`, [readEtAnswer('ip-rich', `ips__${IP_RICH}__${endpoint}.json`)]);
    }

    const dry = await runCli(['rerun', '--failed', '--since', since.toISOString(), '--until', until.toISOString(), '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would re-run ${failedA.workflowId}`);
    expect(dry.stdout).toContain(`would re-run ${failedB.workflowId}`);
    expect(dry.stdout).toMatch(/^rerun --dry-run: 2 would be re-run, 0 cannot be; nothing started$/m);
    expect((await runsOf(h.client, `EtRerunOf = '${failedA.workflowId}'`)).length).toBe(0);

    const { code, stdout, stderr } = await runCli(['rerun', '--failed', '--since', since.toISOString(), '--until', until.toISOString(), '--concurrency', '2'], env);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe('rerun: 2 started, 2 completed, 0 partial, 0 no-data, 0 failed');
    // Not a terminal: one line per item on stderr.
    expect(stderr).toMatch(/^\[1\/2\] enrich\/work_.* -> enrich\/work_.*\/rerun\/.*: completed$/m);
    expect(stderr).toMatch(/^\[2\/2\] /m);

    for (const failed of [failedA, failedB]) {
      const reruns = await runsOf(h.client, `EtRerunOf = '${failed.workflowId}'`);
      expect(reruns).toHaveLength(1);
      expect(reruns[0]!.trigger).toBe('rerun');
    }
    expect(await runsOf(h.client, `EtRerunOf = '${succeeded.workflowId}'`)).toEqual([]);
    expect(h.opencti.parts.some((p) => p.workId === null && p.bundle.objects.some((o) => o.type === 'ipv4-addr' && o.value === IP_AUTH_FAILED))).toBe(true);

    // Again: the failed runs were re-run already (successfully), nothing is left to do.
    const again = await runCli(['rerun', '--failed', '--since', since.toISOString(), '--until', until.toISOString()], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('rerun: 0 started, 0 completed, 0 partial, 0 no-data, 0 failed');
    expect(again.stderr).toContain('2 more already re-run, skipped');
  });

  it('rerun --failed exits non-zero when a re-run fails again', async () => {
    const since = new Date();
    h.et.setAnswers(`ips/${IP_AUTH_FAILED}/reputation`, [readEtAnswer('auth-failed', `ips__${IP_AUTH_FAILED}__reputation.json`)]);
    for (const endpoint of ['domains', 'samples', 'geoloc', 'asn']) {
      h.et.setAnswers(`ips/${IP_AUTH_FAILED}/${endpoint}`, [readEtAnswer('auth-failed', `ips__${IP_AUTH_FAILED}__${endpoint}.json`)]);
    }
    const failed = await enrichFixture(h, 'manual-ipv4-auth-failed.json');
    const { code, stdout } = await runCli(['rerun', '--failed', '--since', since.toISOString()], env);
    expect(code).toBe(1);
    expect(stdout.trim()).toBe('rerun: 1 started, 0 completed, 0 partial, 0 no-data, 1 failed');
    const reruns = await runsOf(h.client, `EtRerunOf = '${failed.workflowId}'`);
    expect(reruns).toHaveLength(1);
  });

  it('rerun --failed picks partial runs only with --partial', async () => {
    const since = new Date();
    // geoloc refused (not retried, unlike the fixture's 500): a quick partial run.
    h.et.setAnswers('ips/203.0.113.61/geoloc', [readEtAnswer('auth-failed', `ips__${IP_AUTH_FAILED}__geoloc.json`)]);
    const partial = await enrichFixture(h, 'manual-ipv4-partial.json');
    const st = JSON.parse((await runCli(['status', partial.workflowId, '--json'], env)).stdout);
    expect(st).toMatchObject({ status: 'Completed', outcome: 'partial' });
    expect(st.failedCalls.length).toBeGreaterThan(0);
    const without = await runCli(['rerun', '--failed', '--since', since.toISOString(), '--dry-run'], env);
    expect(without.stdout).toMatch(/^rerun --dry-run: 0 would be re-run/m);
    const withPartial = await runCli(['rerun', '--failed', '--partial', '--since', since.toISOString(), '--dry-run'], env);
    expect(withPartial.code, withPartial.stderr).toBe(0);
    expect(withPartial.stdout).toContain(`would re-run ${partial.workflowId}`);
    expect(withPartial.stdout).toMatch(/^rerun --dry-run: 1 would be re-run, 0 cannot be; nothing started$/m);
  });

  it('rerun --reuse-answers keeps the answers the old run got and asks ET only for the failed call', async () => {
    const IP = '203.0.113.61';
    // geoloc refused: a quick partial run with four answers and one failed call.
    h.et.setAnswers(`ips/${IP}/geoloc`, [readEtAnswer('auth-failed', `ips__${IP_AUTH_FAILED}__geoloc.json`)]);
    const partial = await enrichFixture(h, 'manual-ipv4-partial.json');
    expect(JSON.parse((await runCli(['status', partial.workflowId, '--json'], env)).stdout)).toMatchObject({ outcome: 'partial' });
    const paths = ['reputation', 'domains', 'samples', 'geoloc', 'asn'].map((p) => `ips/${IP}/${p}`);
    const before = Object.fromEntries(paths.map((p) => [p, h.et.count(p)]));

    // ET is back for geoloc.
    h.et.setAnswers(`ips/${IP}/geoloc`, [readEtAnswer('ip-rich', 'ips__198.51.100.23__geoloc.json')]);
    const dry = await runCli(['rerun', partial.workflowId, '--reuse-answers', '--dry-run'], env);
    expect(dry.stdout).toMatch(/^Reuses\s+reputation, relatedDomains, relatedSamples, asn \(the oldest from \d{4}-.*\); only the other calls are made again$/m);
    const { code, stdout, stderr } = await runCli(['rerun', partial.workflowId, '--reuse-answers'], env);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Outcome\s+completed$/m);
    expect(stdout).toContain(`Reused 4 ET answers of ${partial.workflowId} (the oldest from `);

    // Only geoloc was asked again; the reused calls never reached ET.
    const after = Object.fromEntries(paths.map((p) => [p, h.et.count(p)]));
    expect(after).toEqual({ ...before, [`ips/${IP}/geoloc`]: before[`ips/${IP}/geoloc`]! + 1 });
    const rerunId = /^Workflow\s+(\S+)$/m.exec(stdout)![1]!;
    const history = await h.client.workflow.getHandle(rerunId).fetchHistory();
    const activities = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
    expect(activities).toEqual(['getGeolocation', 'pushEnrichment']);
    // The bundle holds what every answer gave: labels from the reused reputation, the new location.
    const status = JSON.parse((await runCli(['status', rerunId, '--json'], env)).stdout);
    expect(status.message).toMatch(/added \d+ labels, .*locations/);

    // Re-running that re-run with --reuse-answers carries all five answers on, with their age: ET sees nothing.
    const again = await runCli(['rerun', rerunId, '--reuse-answers'], env);
    expect(again.code, again.stderr).toBe(0);
    const oldest = /the oldest from (\S+)\)/.exec(stdout)![1]!;
    expect(again.stdout).toContain(`Reused 5 ET answers of ${rerunId} (the oldest from ${oldest})`);
    expect(Object.fromEntries(paths.map((p) => [p, h.et.count(p)]))).toEqual(after);
  });

  it('rerun --file re-runs a workflow id and enriches a type:value afresh', async () => {
    const file = join(tmp, 'reruns.txt');
    writeFileSync(file, `# re-runs asked for by the SOC\n${okRun.workflowId}\n\nStixFile:${MD5.toUpperCase()}\n`);
    const { code, stdout, stderr } = await runCli(['rerun', '--file', file], env);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe('rerun: 2 started, 2 completed, 0 partial, 0 no-data, 0 failed');
    expect(stderr).toMatch(new RegExp(`^\\[\\d/2\\] StixFile:${MD5.toUpperCase()} -> enrich/rerun/[0-9a-f-]{36}: completed$`, 'm'));

    // The type:value line ran as trigger rerun with the id OpenCTI computes for that file.
    const fresh = /StixFile:\S+ -> (enrich\/rerun\/\S+): completed/.exec(stderr)![1]!;
    const d = await h.client.workflow.getHandle(fresh).describe();
    expect(d.typedSearchAttributes.get(EtTrigger)).toBe('rerun');
    expect(d.typedSearchAttributes.get(EtRerunOf)).toBeUndefined();
    expect(entityFor('StixFile', MD5).id).toBe(FILE_ENTITY);
    const status = JSON.parse((await runCli(['status', fresh, '--json'], env)).stdout);
    expect(status).toMatchObject({ entityId: FILE_ENTITY, value: MD5, trigger: 'rerun', workId: null, outcome: 'completed' });

    // A line that names nothing counts as failed, and the exit code says so.
    const bad = join(tmp, 'bad.txt');
    writeFileSync(bad, 'enrich/no-such-run\nIPv4-Addr:not-an-ip\n');
    const res = await runCli(['rerun', '--file', bad], env);
    expect(res.code).toBe(1);
    expect(res.stdout.trim()).toBe('rerun: 0 started, 0 completed, 0 partial, 0 no-data, 2 failed');
    expect(res.stderr).toContain('enrich/no-such-run: failed: no run enrich/no-such-run');
    expect(res.stderr).toContain('IPv4-Addr:not-an-ip: failed: --value:');
  });

  it('enrich --entity asks OpenCTI to enrich an entity it knows: the platform queues it, the connector pushes it, the CLI reports the outcome', async () => {
    const entity = entityFor('IPv4-Addr', IP_RICH);
    h.opencti.addEntity({ entityId: entity.id, entityType: 'IPv4-Addr', stixEntity: entity });
    const { code, stdout, stderr } = await runCli(['enrich', '--entity', entity.id], env);
    expect(code, stderr).toBe(0);
    const workId = /work (work_\S+)\)/.exec(stderr)![1]!;
    expect(stderr).toContain(`the connector runs it as enrich/${workId}`);
    expect(stdout).toMatch(/^completed: ProofPoint ET Intelligence: IPv4-Addr 198\.51\.100\.23: added /);
    // One work, created by the platform and closed by the run, and the bundle imported through it.
    const work = await h.opencti.waitForWork(workId, 'complete', 30_000);
    expect(work.messages.at(-1)?.message).toBe(stdout.trim().replace(/^completed: /, ''));
    expect(h.opencti.bundleFor(workId).some((o) => o.id === entity.id)).toBe(true);
    const d = await h.client.workflow.getHandle(`enrich/${workId}`).describe();
    expect(d.typedSearchAttributes.get(EtTrigger)).toBe('manual');
  });

  it('enrich --entity of an entity OpenCTI does not know says so, and starts nothing', async () => {
    const before = h.opencti.works.size;
    const res = await runCli(['enrich', '--entity', 'ipv4-addr--00000000-0000-5000-8000-000000000000'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('enrich: OpenCTI has no entity ipv4-addr--00000000-0000-5000-8000-000000000000 (or this token cannot see it)\n');
    expect(h.opencti.works.size).toBe(before);
    const mixed = await runCli(['enrich', '--entity', 'x', '--type', 'IPv4-Addr'], env);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('give either --entity or --type/--value');
  });

  it('a one-off enrich run (printed, never pushed) is not re-run: rerun says how to repeat it, rerun --entity skips it', async () => {
    const once = await runCli(['enrich', '--type', 'IPv4-Addr', '--value', IP_RICH], env);
    expect(once.code, once.stderr).toBe(0);
    const cliRun = /"workflowId":"(enrich\/cli\/[^"]+)"/.exec(once.stderr)![1]!;
    const res = await runCli(['rerun', cliRun], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${cliRun} was a one-off et-connector enrich (printed, not pushed): run \`et-connector enrich --type IPv4-Addr --value ${IP_RICH}\` again`);
    const byEntity = await runCli(['rerun', '--entity', IP_RICH_ENTITY, '--dry-run'], env);
    expect(byEntity.stdout + byEntity.stderr).not.toContain('enrich/cli/');
  });
});
