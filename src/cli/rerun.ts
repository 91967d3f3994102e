/**
 * `et-connector rerun`: runs an enrichment again, as a NEW workflow (the old run is never reset or
 * changed: its history stays the record of what happened, and its OpenCTI work stays closed).
 *
 *   et-connector rerun <workflowId> [--run <runId>] [--no-wait]
 *   et-connector rerun --entity <OpenCTI entity standard id> [--no-wait]
 *   et-connector rerun --failed --since <time|duration> [--until <time|duration>] [--partial] [--concurrency N] [--dry-run] [--no-wait]
 *   et-connector rerun --file <path> [--concurrency N] [--dry-run] [--no-wait]
 *   (any of them) --reuse-answers: reuse the ET answers the old run got; ask ET only for the calls that failed
 *
 * A re-run reads the EnrichmentRequest of the old run from the first event of its history and starts
 * `enrichObservable` with it, as trigger `rerun`, without a work (`workId: null`: the platform closed
 * that work) and without a playbook (that execution is over): the bundle is pushed to OpenCTI like a
 * manual enrichment's. The new run carries `EtRerunOf = <old workflow id>`. Running the re-runs
 * needs a connector worker polling TEMPORAL_TASK_QUEUE.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { searchAttributesFor, staticSummary, WORKFLOW_TYPE } from '../bridge/start-enrichment';
import type { Config } from '../config';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import { EtRerunOf } from '../shared/search-attributes';
import { OBSERVABLE_TYPES, type EnrichmentRequest, type EnrichmentResult, type Outcome, type ReusedAnswers } from '../shared/types';
import { buildCliRequest, EXIT } from './enrich';
import {
  connectOps,
  describeRun,
  etAnswersOfRun,
  hasWorker,
  listRuns,
  parseCommandArgs,
  parsePositiveInt,
  parseTimeArg,
  q,
  requestOfRun,
  type OpsClient,
  type RunSummary,
} from './ops-common';
import { forEachLimited, Progress, type ProgressStream } from './progress';

/**
 * Temporal refuses workflow ids longer than `limit.maxIDLength` (1000 by default), and its SQL
 * persistence (PostgreSQL, MySQL: the docker-compose deployment) stores them in VARCHAR(255)
 * columns. A re-run id stays within the stricter of the two.
 */
export const MAX_WORKFLOW_ID_BYTES = 255;

/** `<old id>/rerun/<ISO time>`, or `enrich/rerun/<uuid>` when that would be too long. */
export function rerunWorkflowId(oldWorkflowId: string | null, now: Date): string {
  if (oldWorkflowId) {
    const id = `${oldWorkflowId}/rerun/${now.toISOString()}`;
    if (Buffer.byteLength(id, 'utf8') <= MAX_WORKFLOW_ID_BYTES) return id;
  }
  return `enrich/rerun/${randomUUID()}`;
}

/** The request of a re-run: the same entity, as trigger `rerun`, without the closed work or the finished playbook. */
export function rerunRequest(original: EnrichmentRequest, now: Date, reusedAnswers: ReusedAnswers | null = null): EnrichmentRequest {
  // The answers an earlier re-run reused are not carried on: only those asked for now.
  const { reusedAnswers: _earlier, ...rest } = original;
  const request: EnrichmentRequest = { ...rest, trigger: 'rerun', workId: null, playbook: null, receivedAt: now.toISOString() };
  if (reusedAnswers) request.reusedAnswers = reusedAnswers;
  return request;
}

/** What to re-run: a run (the latest of the id without runId), an entity's latest run, or a value enriched afresh. */
export type RerunTarget =
  | { kind: 'run'; workflowId: string; runId?: string }
  | { kind: 'entity'; entityId: string }
  | { kind: 'value'; type: string; value: string };

const STIX_ID = /^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One line of a `--file`: `IPv4-Addr:198.51.100.7`, an entity standard id, or a workflow id (optionally followed by a run id). */
export function parseTargetLine(line: string): RerunTarget {
  const text = line.trim();
  const typed = /^([A-Za-z0-9-]+):(.+)$/.exec(text);
  const type = typed && OBSERVABLE_TYPES.find((t) => t.toLowerCase() === typed[1]!.toLowerCase());
  if (typed && type) return { kind: 'value', type, value: typed[2]!.trim() };
  if (STIX_ID.test(text)) return { kind: 'entity', entityId: text };
  const [workflowId, runId, ...rest] = text.split(/\s+/);
  if (runId && rest.length === 0 && UUID.test(runId)) return { kind: 'run', workflowId: workflowId!, runId };
  return { kind: 'run', workflowId: text };
}

export function readTargetFile(path: string): RerunTarget[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`--file: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  const lines = [...new Set(text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')))];
  return lines.map(parseTargetLine);
}

export function describeTarget(t: RerunTarget): string {
  if (t.kind === 'run') return t.runId ? `${t.workflowId} (run ${t.runId})` : t.workflowId;
  if (t.kind === 'entity') return t.entityId;
  return `${t.type}:${t.value}`;
}

/** A re-run ready to start. */
export interface RerunPlan {
  target: RerunTarget;
  request: EnrichmentRequest;
  /** The run re-run; null for a value enriched afresh. */
  rerunOf: { workflowId: string; runId: string } | null;
}

export interface PlanOptions {
  /** Reuse the ET answers the old run got, and ask ET only for the calls that failed (`--reuse-answers`). */
  reuseAnswers?: boolean;
}

/** Resolves a target to the request to run. Throws an Error whose message is for the operator. */
export async function planRerun(ops: OpsClient, target: RerunTarget, now: Date, opts: PlanOptions = {}): Promise<RerunPlan> {
  if (target.kind === 'value') {
    const request = { ...buildCliRequestOrThrow(target.type, target.value), trigger: 'rerun' as const, receivedAt: now.toISOString() };
    return { target, request, rerunOf: null };
  }
  let workflowId: string;
  let runId: string | undefined;
  if (target.kind === 'entity') {
    // One-off `et-connector enrich` runs printed their bundle and pushed nothing: not what to repeat.
    const latest = (await listRuns(ops.client, `OpenCtiEntityId = ${q(target.entityId)} AND EtTrigger != 'cli'`))[0];
    if (!latest) throw new Error(`no enrichment run of entity ${target.entityId}`);
    ({ workflowId, runId } = latest);
  } else {
    ({ workflowId, runId } = target);
  }
  const desc = await describeRun(ops.client, workflowId, runId);
  if (!desc) throw new Error(`no run ${workflowId}${runId ? ` (run ${runId})` : ''} in namespace ${ops.namespace}`);
  if (desc.type !== WORKFLOW_TYPE) throw new Error(`${workflowId} is a ${desc.type} workflow, not an enrichment (${WORKFLOW_TYPE})`);
  const original = await requestOfRun(ops.client, desc.workflowId, desc.runId);
  if (original.trigger === 'cli') {
    // Its bundle went to the shell that asked; a re-run would push it into OpenCTI instead.
    throw new Error(
      `${desc.workflowId} was a one-off et-connector enrich (printed, not pushed): run \`et-connector enrich --type ${original.entityType} --value ${original.value}\` again, or put ${original.entityType}:${original.value} in a rerun --file to push it into OpenCTI`,
    );
  }
  const reused = opts.reuseAnswers ? await etAnswersOfRun(ops.client, desc.workflowId, desc.runId) : null;
  return { target, request: rerunRequest(original, now, reused), rerunOf: { workflowId: desc.workflowId, runId: desc.runId } };
}

function buildCliRequestOrThrow(type: string, value: string): EnrichmentRequest {
  try {
    return buildCliRequest({ type, value });
  } catch (err) {
    throw new Error(err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message);
  }
}

/** Starts the re-run workflow; never touches the old run. */
export async function startRerun(ops: OpsClient, plan: RerunPlan, now: Date): Promise<WorkflowHandle> {
  const attrs = searchAttributesFor(plan.request);
  if (plan.rerunOf) attrs.push({ key: EtRerunOf, value: plan.rerunOf.workflowId });
  const start = (workflowId: string) =>
    ops.client.workflow.start(WORKFLOW_TYPE, {
      workflowId,
      taskQueue: ops.taskQueue,
      args: [plan.request],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: attrs,
      staticSummary: staticSummary(plan.request),
      staticDetails: plan.rerunOf
        ? `Re-run of ${plan.rerunOf.workflowId} (run ${plan.rerunOf.runId}), started with \`et-connector rerun\``
        : `Fresh enrichment started with \`et-connector rerun --file\``,
    });
  try {
    try {
      return await start(rerunWorkflowId(plan.rerunOf?.workflowId ?? null, now));
    } catch (err) {
      // Two re-runs of one id in the same millisecond: the second takes a random id.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return await start(rerunWorkflowId(null, now));
      throw err;
    }
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/EtRerunOf/.test(message)) {
      throw new Error(
        `Temporal does not know the EtRerunOf search attribute: register it once with \`temporal operator search-attribute create --name EtRerunOf --type Keyword\` (${message})`,
      );
    }
    throw err;
  }
}

/** Which ET answers a re-run reuses, e.g. "reputation, relatedDomains (the oldest from 2026-12-04T05:00:00.000Z)". */
export function describeReuse(request: EnrichmentRequest): string {
  const reused = request.reusedAnswers;
  if (!reused) return 'no answer (the run got none): every call is made again';
  return `${Object.keys(reused.findings).join(', ')} (the oldest from ${reused.oldestAnswerAt}); only the other calls are made again`;
}

export interface RerunOutcome {
  outcome: Outcome;
  message: string;
}

export async function awaitRerun(handle: WorkflowHandle): Promise<RerunOutcome> {
  try {
    const result = (await handle.result()) as EnrichmentResult;
    return { outcome: result.outcome, message: result.message };
  } catch (err) {
    if (err instanceof WorkflowFailedError) return { outcome: 'failed', message: err.cause?.message || err.message };
    throw err;
  }
}

export interface RerunCounts {
  started: number;
  completed: number;
  partial: number;
  'no-data': number;
  failed: number;
}

export function summaryLine(c: RerunCounts): string {
  return `rerun: ${c.started} started, ${c.completed} completed, ${c.partial} partial, ${c['no-data']} no-data, ${c.failed} failed`;
}

/** 0 when everything completed (or had no data), 1 when anything failed, 3 when some re-runs were partial. */
export function exitCodeFor(c: RerunCounts): number {
  if (c.failed > 0) return EXIT.failed;
  if (c.partial > 0) return EXIT.partial;
  return EXIT.ok;
}

/**
 * The runs `--failed` picks: EtOutcome `failed` (and `partial` with --partial) started in
 * [since, until), of this connector's workflow type, not one-off `et-connector enrich` runs, one per
 * workflow id (its newest run), oldest first. A run that was already re-run after it started is
 * skipped: its re-run stands for it (and is picked itself if it failed too).
 */
export async function findRunsToRerun(
  ops: OpsClient,
  opts: { since: Date; until: Date; partial: boolean },
): Promise<{ runs: RunSummary[]; alreadyRerun: RunSummary[] }> {
  const outcomes = opts.partial ? ['failed', 'partial'] : ['failed'];
  const range = `StartTime >= ${q(opts.since.toISOString())} AND StartTime < ${q(opts.until.toISOString())}`;
  const candidates = await listRuns(ops.client, `EtOutcome IN (${outcomes.map(q).join(', ')}) AND ${range} AND EtTrigger != 'cli'`);
  // Re-runs of those candidates started after them, so after `since`.
  const reruns = await listRuns(ops.client, `EtTrigger = 'rerun' AND StartTime >= ${q(opts.since.toISOString())}`);
  const latestRerun = new Map<string, string>();
  for (const r of reruns) {
    if (r.rerunOf && (latestRerun.get(r.rerunOf) ?? '') < r.startTime) latestRerun.set(r.rerunOf, r.startTime);
  }
  const seen = new Set<string>();
  const runs: RunSummary[] = [];
  const alreadyRerun: RunSummary[] = [];
  for (const c of candidates) {
    if (seen.has(c.workflowId)) continue; // newest first: one run per workflow id
    seen.add(c.workflowId);
    if ((latestRerun.get(c.workflowId) ?? '') > c.startTime) alreadyRerun.push(c);
    else runs.push(c);
  }
  return { runs: runs.reverse(), alreadyRerun };
}

interface CommandIo {
  out: (line: string) => void;
  err: ProgressStream;
  now: () => Date;
}

const defaultIo: CommandIo = { out: (line) => process.stdout.write(`${line}\n`), err: process.stderr, now: () => new Date() };

export async function runRerunCommand(config: Config, argv: string[], logger: Logger, io: CommandIo = defaultIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('rerun', {
    args: argv,
    allowPositionals: true,
    options: {
      run: { type: 'string' },
      entity: { type: 'string' },
      failed: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
      partial: { type: 'boolean' },
      file: { type: 'string' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      'reuse-answers': { type: 'boolean' },
    },
  });
  const modes = [positionals.length > 0, values.entity !== undefined, Boolean(values.failed), values.file !== undefined].filter(Boolean).length;
  if (modes !== 1 || positionals.length > 1) {
    throw new ConfigError(['rerun: give exactly one of <workflowId>, --entity <id>, --failed --since <time>, --file <path>']);
  }
  if (values.run !== undefined && positionals.length === 0) throw new ConfigError(['rerun: --run goes with a workflow id']);
  if ((values.since !== undefined || values.until !== undefined || values.partial) && !values.failed) {
    throw new ConfigError(['rerun: --since, --until and --partial go with --failed']);
  }
  if (values.failed && values.since === undefined) throw new ConfigError(['rerun --failed: needs --since <ISO time or duration such as PT12H>']);
  const wait = !values['no-wait'];
  const plan: PlanOptions = { reuseAnswers: Boolean(values['reuse-answers']) };
  const now = io.now();

  // Validate everything the operator typed before connecting.
  const bulkTargets = values.file !== undefined ? readTargetFile(values.file) : null;
  const range = values.failed
    ? { since: parseTimeArg('--since', values.since!, now), until: values.until !== undefined ? parseTimeArg('--until', values.until, now) : now }
    : null;
  if (range && range.since >= range.until) throw new ConfigError(['rerun: --since must be before --until']);
  const concurrency = parsePositiveInt('--concurrency', values.concurrency, 4, 64);

  const ops = await connectOps(config);
  try {
    if (!values['dry-run'] && !(await hasWorker(ops))) {
      io.err.write(
        `rerun: warning: no worker has polled task queue ${ops.taskQueue} recently; the re-runs wait until a connector worker (\`et-connector worker\` or \`start\`) runs on it\n`,
      );
    }
    if (positionals.length === 1 || values.entity !== undefined) {
      const target: RerunTarget = values.entity !== undefined ? { kind: 'entity', entityId: values.entity.trim() } : { kind: 'run', workflowId: positionals[0]!, runId: values.run };
      return await rerunOne(ops, target, { wait, dryRun: Boolean(values['dry-run']), plan }, io, logger);
    }
    let targets: RerunTarget[];
    if (range) {
      const { runs, alreadyRerun } = await findRunsToRerun(ops, { ...range, partial: Boolean(values.partial) });
      io.err.write(
        `rerun: ${runs.length} ${values.partial ? 'failed or partial' : 'failed'} ${runs.length === 1 ? 'run' : 'runs'} started between ${range.since.toISOString()} and ${range.until.toISOString()}` +
          (alreadyRerun.length > 0 ? ` (${alreadyRerun.length} more already re-run, skipped)` : '') +
          '\n',
      );
      targets = runs.map((r) => ({ kind: 'run', workflowId: r.workflowId, runId: r.runId }));
    } else {
      targets = bulkTargets!;
    }
    return await rerunMany(ops, targets, { wait, dryRun: Boolean(values['dry-run']), concurrency, plan }, io, logger);
  } finally {
    await ops.close();
  }
}

async function rerunOne(ops: OpsClient, target: RerunTarget, opts: { wait: boolean; dryRun: boolean; plan: PlanOptions }, io: CommandIo, logger: Logger): Promise<number> {
  let plan: RerunPlan;
  try {
    plan = await planRerun(ops, target, io.now(), opts.plan);
  } catch (err) {
    io.err.write(`rerun: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const rows: [string, string][] = [];
  if (plan.rerunOf) rows.push(['Re-run of', `${plan.rerunOf.workflowId} (run ${plan.rerunOf.runId})`]);
  rows.push(['Observable', `${plan.request.entityType} ${plan.request.value} (${plan.request.entityId})`]);
  if (opts.plan.reuseAnswers) rows.push(['Reuses', describeReuse(plan.request)]);
  const print = () => {
    const width = Math.max(...rows.map(([k]) => k.length));
    io.out(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  };
  if (opts.dryRun) {
    rows.push(['Dry run', 'nothing started']);
    print();
    return EXIT.ok;
  }
  if (plan.rerunOf) {
    const old = await describeRun(ops.client, plan.rerunOf.workflowId, plan.rerunOf.runId);
    if (old?.status.name === 'RUNNING') io.err.write(`rerun: note: ${plan.rerunOf.workflowId} is still running; the re-run starts anyway\n`);
  }
  const handle = await startRerun(ops, plan, io.now());
  logger.debug('Re-run started', { workflowId: handle.workflowId, rerunOf: plan.rerunOf?.workflowId });
  rows.push(['Workflow', handle.workflowId]);
  if (!opts.wait) {
    rows.push(['Outcome', `(not waited for: et-connector status ${handle.workflowId})`]);
    print();
    return EXIT.ok;
  }
  const { outcome, message } = await awaitRerun(handle);
  rows.push(['Outcome', outcome], ['Message', message]);
  print();
  return outcome === 'failed' ? EXIT.failed : outcome === 'partial' ? EXIT.partial : EXIT.ok;
}

async function rerunMany(
  ops: OpsClient,
  targets: RerunTarget[],
  opts: { wait: boolean; dryRun: boolean; concurrency: number; plan: PlanOptions },
  io: CommandIo,
  logger: Logger,
): Promise<number> {
  if (opts.dryRun) {
    // What would be re-run, in order, on stdout; nothing is started.
    const lines: string[] = new Array<string>(targets.length);
    let unresolved = 0;
    await forEachLimited(targets, opts.concurrency, async (target, i) => {
      const label = describeTarget(target);
      try {
        const plan = await planRerun(ops, target, io.now(), opts.plan);
        lines[i] =
          `would re-run ${label}: ${plan.request.entityType} ${plan.request.value}${plan.rerunOf ? '' : ' (fresh enrichment)'}` +
          (opts.plan.reuseAnswers && plan.rerunOf ? `, reusing ${describeReuse(plan.request)}` : '');
      } catch (err) {
        unresolved += 1;
        lines[i] = `cannot re-run ${label}: ${(err as Error).message}`;
      }
    });
    for (const line of lines) io.out(line);
    io.out(`rerun --dry-run: ${targets.length - unresolved} would be re-run, ${unresolved} cannot be; nothing started`);
    return unresolved > 0 ? EXIT.failed : EXIT.ok;
  }
  const counts: RerunCounts = { started: 0, completed: 0, partial: 0, 'no-data': 0, failed: 0 };
  const progress = new Progress(targets.length, io.err);
  const problems: string[] = [];
  await forEachLimited(targets, opts.concurrency, async (target) => {
    const label = describeTarget(target);
    try {
      const plan = await planRerun(ops, target, io.now(), opts.plan);
      const handle = await startRerun(ops, plan, io.now());
      counts.started += 1;
      logger.debug('Re-run started', { workflowId: handle.workflowId, rerunOf: plan.rerunOf?.workflowId });
      if (!opts.wait) {
        progress.tick(true, `${label} -> ${handle.workflowId}: started`);
        return;
      }
      const { outcome, message } = await awaitRerun(handle);
      if (outcome === 'completed' || outcome === 'partial' || outcome === 'no-data') counts[outcome] += 1;
      else {
        counts.failed += 1;
        problems.push(`${label} -> ${handle.workflowId}: ${message}`);
      }
      const ok = outcome !== 'failed' && outcome !== 'refused';
      progress.tick(ok, `${label} -> ${handle.workflowId}: ${outcome}${ok ? '' : `: ${message}`}`);
    } catch (err) {
      counts.failed += 1;
      const why = (err as Error).message ?? String(err);
      problems.push(`${label}: ${why}`);
      progress.tick(false, `${label}: failed: ${why}`);
    }
  });
  progress.finish();
  // On a terminal the bar hid the reasons: list them once it is done.
  if (io.err.isTTY) for (const p of problems) io.err.write(`rerun: failed: ${p}\n`);
  io.out(summaryLine(counts));
  return exitCodeFor(counts);
}
