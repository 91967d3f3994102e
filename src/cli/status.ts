/**
 * `et-connector status`: what became of an enrichment run, for an operator at a shell.
 *
 *   et-connector status <workflowId> [--run <runId>] [--json]
 *   et-connector status --value <observable value> [--limit N] [--json]
 */
import { domainToASCII } from 'node:url';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import type { FailedCall } from '../shared/types';
import { EXIT } from './enrich';
import {
  connectOps,
  describeRun,
  endingOfRun,
  formatDuration,
  listRuns,
  parseCommandArgs,
  parsePositiveInt,
  q,
  runAttributes,
  statusText,
  type RunAttributes,
  type RunSummary,
} from './ops-common';

export interface RunStatus extends RunAttributes {
  workflowId: string;
  runId: string;
  status: string;
  taskQueue: string;
  startTime: string;
  closeTime: string | null;
  /** The work message (from the result), or the failure message. */
  message: string | null;
  failure: { type: string | null; message: string } | null;
  failedCalls: FailedCall[];
  objectCount: number | null;
  pushedParts: number | null;
  /** While running: the activities Temporal is waiting for (with their retries). */
  pendingActivities: { activity: string; attempt: number; lastFailure: string | null }[];
  /** Runs started by `et-connector rerun` for this workflow id. */
  reruns: { workflowId: string; runId: string; status: string; outcome: string | null; startTime: string }[];
}

export async function getRunStatus(client: Client, workflowId: string, runId?: string): Promise<RunStatus | null> {
  const desc = await describeRun(client, workflowId, runId);
  if (!desc) return null;
  const closed = desc.status.name !== 'RUNNING';
  const ending = closed ? await endingOfRun(client, desc.workflowId, desc.runId) : null;
  const pending = (desc.raw.pendingActivities ?? []).map((a) => ({
    activity: a.activityType?.name ?? '?',
    attempt: a.attempt ?? 1,
    lastFailure: a.lastFailure?.message ?? null,
  }));
  const reruns = (await listRuns(client, `EtRerunOf = ${q(desc.workflowId)}`)).map((r) => ({
    workflowId: r.workflowId,
    runId: r.runId,
    status: r.status,
    outcome: r.outcome,
    startTime: r.startTime,
  }));
  return {
    workflowId: desc.workflowId,
    runId: desc.runId,
    status: statusText(desc.status.name),
    taskQueue: desc.taskQueue,
    startTime: desc.startTime.toISOString(),
    closeTime: desc.closeTime?.toISOString() ?? null,
    ...runAttributes(desc),
    message: ending?.result?.message ?? ending?.failure ?? null,
    failure: ending?.failure ? { type: ending.failureType, message: ending.failure } : null,
    failedCalls: ending?.failedCalls ?? [],
    objectCount: ending?.result?.objectCount ?? null,
    pushedParts: ending?.result?.pushedParts ?? null,
    pendingActivities: pending,
    reruns,
  };
}

/** Where the bundle went: a CLI run hands it to the shell that asked, a playbook run to its playbook. */
function deliveryRow(trigger: string | null, objects: number, parts: number): [string, string] {
  if (trigger === 'cli') return ['Delivered', `${objects} objects to the et-connector enrich that asked (nothing pushed to OpenCTI)`];
  if (trigger === 'playbook' && parts === 0) return ['Delivered', `${objects} objects in the bundle returned to the playbook`];
  return ['Pushed', `${objects} objects in ${parts} parts`];
}

/** Human-readable, one field a line. */
export function formatRunStatus(s: RunStatus): string {
  const rows: [string, string][] = [
    ['Workflow', s.workflowId],
    ['Run', s.runId],
    ['Status', s.status],
    ['Outcome', s.outcome ?? (s.status === 'Running' ? '(not yet)' : '(none recorded)')],
    ['Trigger', s.trigger ?? '?'],
    ['Observable', `${s.entityType ?? '?'} ${s.value ?? '?'}${s.entityId ? ` (${s.entityId})` : ''}`],
    ['Work', s.workId ?? '(none)'],
  ];
  if (s.rerunOf) rows.push(['Re-run of', s.rerunOf]);
  rows.push(['Started', s.startTime]);
  if (s.closeTime) rows.push(['Closed', `${s.closeTime} (after ${formatDuration(Date.parse(s.closeTime) - Date.parse(s.startTime))})`]);
  if (s.objectCount !== null) rows.push(deliveryRow(s.trigger, s.objectCount, s.pushedParts ?? 0));
  if (s.failure) rows.push(['Failure', `${s.failure.type ?? 'Error'}: ${s.failure.message}`]);
  else if (s.message) rows.push(['Message', s.message]);
  for (const c of s.failedCalls) rows.push(['Failed call', `${c.call}: ${c.errorType}: ${c.message}`]);
  for (const a of s.pendingActivities) rows.push(['Waiting on', `${a.activity} (attempt ${a.attempt}${a.lastFailure ? `, last failure: ${a.lastFailure}` : ''})`]);
  for (const r of s.reruns) rows.push(['Re-run', `${r.workflowId} ${r.status}${r.outcome ? ` (${r.outcome})` : ''}, started ${r.startTime}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** The EtObservableValue a value is searched by: as the bridge stores it (lower-case MD5, punycode domain). */
export function searchValue(value: string): string {
  const v = value.trim();
  if (/^[a-fA-F0-9]{32}$/.test(v)) return v.toLowerCase();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return v;
  const ascii = domainToASCII(v.replace(/\.$/, ''));
  return ascii ? ascii.toLowerCase() : v;
}

export function formatRunTable(runs: RunSummary[]): string {
  const header = ['STARTED', 'STATUS', 'OUTCOME', 'TRIGGER', 'WORKFLOW ID', 'RUN ID'];
  const rows = runs.map((r) => [r.startTime, r.status, r.outcome ?? '-', r.trigger ?? '-', r.workflowId, r.runId]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

export async function runStatusCommand(config: Config, argv: string[], _logger: Logger, out: (text: string) => void = (t) => process.stdout.write(`${t}\n`)): Promise<number> {
  const { values, positionals } = parseCommandArgs('status', {
    args: argv,
    allowPositionals: true,
    options: { run: { type: 'string' }, value: { type: 'string' }, json: { type: 'boolean' }, limit: { type: 'string' } },
  });
  if (values.value !== undefined && positionals.length > 0) throw new ConfigError(['status: give either a workflow id or --value, not both']);
  if (values.value === undefined && positionals.length !== 1) throw new ConfigError(['status: needs one workflow id (or --value <observable value>)']);
  const ops = await connectOps(config);
  try {
    if (values.value !== undefined) {
      const value = searchValue(values.value);
      const limit = parsePositiveInt('--limit', values.limit, 20, 10_000);
      const all = await listRuns(ops.client, `EtObservableValue = ${q(value)}`);
      const runs = all.slice(0, limit);
      if (values.json) out(JSON.stringify(runs, null, 2));
      else if (runs.length === 0) out(`No enrichment runs for ${value}.`);
      else {
        out(formatRunTable(runs));
        if (all.length > runs.length) out(`(${all.length - runs.length} older runs not shown; --limit ${all.length} shows all)`);
      }
      return runs.length > 0 ? EXIT.ok : EXIT.failed;
    }
    const workflowId = positionals[0]!;
    const status = await getRunStatus(ops.client, workflowId, values.run);
    if (!status) {
      process.stderr.write(`status: no run ${workflowId}${values.run ? ` (run ${values.run})` : ''} in namespace ${ops.namespace}\n`);
      return EXIT.failed;
    }
    out(values.json ? JSON.stringify(status, null, 2) : formatRunStatus(status));
    return EXIT.ok;
  } finally {
    await ops.close();
  }
}
