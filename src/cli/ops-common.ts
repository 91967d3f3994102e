/**
 * Shared pieces of the operator commands (`et-connector status`, `et-connector rerun`): the
 * connection to the configured Temporal server, argument parsing, visibility-query quoting, and
 * reading one enrichment run (its search attributes, its request, its result or failure).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  Client,
  Connection,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { WORKFLOW_TYPE } from '../bridge/start-enrichment';
import { parseIsoDuration, type Config } from '../config';
import { ConfigError, TemporalUnreachableError } from '../errors';
import { EtObservableType, EtObservableValue, EtOutcome, EtRerunOf, EtTrigger, OpenCtiEntityId, OpenCtiWorkId } from '../shared/search-attributes';
import { tsToDate } from '@temporalio/common/lib/time';
import { ET_ACTIVITY_OF_CALL, ET_CALLS, OBSERVABLE_TYPES, type EnrichmentRequest, type EnrichmentResult, type EtCall, type EtFindings, type FailedCall, type ReusedAnswers } from '../shared/types';
import { isTemporalServing } from '../temporal/dev-server';
import { assertSearchAttributes } from '../temporal/namespace-check';
import { createLogger } from '../logger';

export interface OpsClient {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  close(): Promise<void>;
}

/**
 * The Temporal server the connector runs on: TEMPORAL_ADDRESS, else the embedded server of
 * `npm start` on 127.0.0.1:7233. Never starts a server: an empty one has no runs and no worker.
 */
export async function connectOps(config: Config): Promise<OpsClient> {
  let address = config.temporalAddress;
  if (!address) {
    if (!(await isTemporalServing('127.0.0.1:7233'))) {
      throw new ConfigError([
        'TEMPORAL_ADDRESS: not set, and no Temporal server answers on 127.0.0.1:7233 (set it to the server the connector runs on, e.g. temporal:7233)',
      ]);
    }
    address = '127.0.0.1:7233';
  }
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '10s' });
  } catch (err) {
    throw new TemporalUnreachableError(address, err);
  }
  // A missing namespace or search attributes would otherwise surface as a raw 'Failed to list workflows'.
  try {
    await assertSearchAttributes(connection, config.temporalNamespace, createLogger({ component: 'et-connector' }));
  } catch (err) {
    await connection.close();
    throw err;
  }
  const client = new Client({ connection, namespace: config.temporalNamespace });
  return { client, address, namespace: config.temporalNamespace, taskQueue: config.temporalTaskQueue, close: () => connection.close() };
}

/**
 * What `parseArgs` objected to, said for an operator: Node's advice about `--` is dropped (none of
 * our commands takes a value starting with a dash) and the options the command knows are listed.
 */
export function argsProblem(command: string, err: unknown, options: ParseArgsConfig['options']): string {
  const reason = ((err as Error).message ?? String(err)).split('. To specify a positional argument')[0]!.replace(/\.$/, '');
  const known = Object.keys(options ?? {}).map((name) => `--${name}`);
  return `${command}: ${reason}${known.length > 0 ? ` (it takes ${known.join(', ')})` : ''}`;
}

/** `parseArgs`, with a mistake reported as a usage error (exit code 2) instead of a stack trace. */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new ConfigError([argsProblem(command, err, config.options)]);
  }
}

/** A string literal for a visibility query. Refuses what the query language cannot carry safely. */
export function q(value: string): string {
  if (/['"\\\n\r]/.test(value)) throw new ConfigError([`cannot search for ${JSON.stringify(value.slice(0, 80))}: quotes and backslashes are not allowed`]);
  return `'${value}'`;
}

/** Only this connector's runs, even in a shared namespace. */
export const OWN_RUNS = `WorkflowType = ${q(WORKFLOW_TYPE)}`;

/** `2026-08-20T12:00:00Z`, or an ISO 8601 duration (`PT12H`, `P2D`) counted back from `now`. */
export function parseTimeArg(option: string, text: string, now: Date): Date {
  const trimmed = text.trim();
  if (/^P/i.test(trimmed)) {
    const ms = parseIsoDuration(trimmed.toUpperCase());
    if (ms === null) throw new ConfigError([`${option}: "${text}" is not an ISO 8601 duration such as PT12H or P2D`]);
    return new Date(now.getTime() - ms);
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(trimmed) ? new Date(trimmed) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new ConfigError([`${option}: "${text}" is neither an ISO 8601 time (2026-08-20T12:00:00Z) nor a duration (PT12H)`]);
  return at;
}

export function parsePositiveInt(option: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigError([`${option}: must be a whole number from 1 to ${max}`]);
  return n;
}

const STATUS_TEXT: Record<WorkflowExecutionStatusName, string> = {
  UNSPECIFIED: 'Unknown',
  UNKNOWN: 'Unknown',
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  TERMINATED: 'Terminated',
  CONTINUED_AS_NEW: 'Continued as new',
  TIMED_OUT: 'Timed out',
  PAUSED: 'Paused',
};
export const statusText = (name: WorkflowExecutionStatusName): string => STATUS_TEXT[name] ?? name;

/** What the search attributes of a run say (set by the bridge or the CLI at start, EtOutcome at the end). */
export interface RunAttributes {
  outcome: string | null;
  trigger: string | null;
  entityType: string | null;
  value: string | null;
  entityId: string | null;
  workId: string | null;
  rerunOf: string | null;
}

export function runAttributes(info: Pick<WorkflowExecutionInfo, 'typedSearchAttributes'>): RunAttributes {
  const sa = info.typedSearchAttributes;
  return {
    outcome: sa.get(EtOutcome) ?? null,
    trigger: sa.get(EtTrigger) ?? null,
    entityType: sa.get(EtObservableType) ?? null,
    value: sa.get(EtObservableValue) ?? null,
    entityId: sa.get(OpenCtiEntityId) ?? null,
    workId: sa.get(OpenCtiWorkId) ?? null,
    rerunOf: sa.get(EtRerunOf) ?? null,
  };
}

/** One enrichment run as listed by a visibility query. */
export interface RunSummary extends RunAttributes {
  workflowId: string;
  runId: string;
  status: string;
  startTime: string;
  closeTime: string | null;
}

export function summarize(info: WorkflowExecutionInfo): RunSummary {
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    status: statusText(info.status.name),
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
    ...runAttributes(info),
  };
}

/** Every run matching `query` (this connector's workflow type only), newest start first. */
export async function listRuns(client: Client, query: string): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for await (const info of client.workflow.list({ query: `${OWN_RUNS} AND ${query}` })) runs.push(summarize(info));
  // SQL visibility ignores ORDER BY (running runs come first, then by close time): sort here.
  return runs.sort((a, b) => b.startTime.localeCompare(a.startTime) || a.workflowId.localeCompare(b.workflowId));
}

function grpcCode(err: unknown): number | undefined {
  const { code, cause } = (err ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'number') return code;
  return typeof cause?.code === 'number' ? cause.code : undefined;
}

/** Describes a run (the latest run of the id when runId is not given); null when Temporal does not know it. */
export async function describeRun(client: Client, workflowId: string, runId?: string): Promise<WorkflowExecutionDescription | null> {
  try {
    return await client.workflow.getHandle(workflowId, runId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    // An unknown or malformed run id is the operator's typo, not a crash. The client wraps the
    // gRPC error (and its code) in a ServiceError.
    if (grpcCode(err) === 3 /* INVALID_ARGUMENT */ || grpcCode(err) === 5 /* NOT_FOUND */) return null;
    throw err;
  }
}

/**
 * The EnrichmentRequest a run was started with: the input of its first history event,
 * `WorkflowExecutionStarted`, decoded with the default payload converter (the connector uses no
 * custom converter or codec).
 */
export async function requestOfRun(client: Client, workflowId: string, runId: string): Promise<EnrichmentRequest> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const first = history.events?.[0];
  const started = first?.workflowExecutionStartedEventAttributes;
  if (!started) {
    throw new Error(`the history of ${workflowId} (run ${runId}) does not start with WorkflowExecutionStarted`);
  }
  const payload = started.input?.payloads?.[0];
  if (!payload) throw new Error(`${workflowId} (run ${runId}) was started without input`);
  const request = defaultPayloadConverter.fromPayload<EnrichmentRequest>(payload);
  const ok =
    request !== null &&
    typeof request === 'object' &&
    (OBSERVABLE_TYPES as readonly string[]).includes(request.entityType) &&
    typeof request.value === 'string' &&
    typeof request.entityId === 'string' &&
    request.stixEntity !== null &&
    typeof request.stixEntity === 'object';
  if (!ok) throw new Error(`the input of ${workflowId} (run ${runId}) is not an enrichment request`);
  return request;
}

/**
 * The ET answers a run had: the results of its completed ET activities, read from its history (an
 * activity that failed after its retries has none), and those it reused itself. Null when none.
 */
export async function etAnswersOfRun(client: Client, workflowId: string, runId: string): Promise<ReusedAnswers | null> {
  const callOf = new Map<string, EtCall>(ET_CALLS.map((call) => [ET_ACTIVITY_OF_CALL[call], call]));
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const scheduled = new Map<string, EtCall>();
  const findings: Record<string, unknown> = {};
  let oldest: Date | null = null;
  // A re-run that reused answers had those too: they are carried on with their age.
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const earlier = started ? defaultPayloadConverter.fromPayload<EnrichmentRequest>(started)?.reusedAnswers : undefined;
  if (earlier) {
    Object.assign(findings, earlier.findings);
    oldest = new Date(earlier.oldestAnswerAt);
  }
  for (const event of history.events ?? []) {
    const sched = event.activityTaskScheduledEventAttributes;
    const call = sched?.activityType?.name ? callOf.get(sched.activityType.name) : undefined;
    if (call) scheduled.set(String(event.eventId), call);
    const done = event.activityTaskCompletedEventAttributes;
    const doneCall = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
    if (done && doneCall) {
      const payload = done.result?.payloads?.[0];
      findings[doneCall] = payload ? defaultPayloadConverter.fromPayload(payload) : null;
      const at = event.eventTime ? tsToDate(event.eventTime) : null;
      if (at && (!oldest || at < oldest)) oldest = at;
    }
  }
  if (Object.keys(findings).length === 0) return null;
  // In the workflow's call order, whatever order the answers came in.
  const ordered = Object.fromEntries(ET_CALLS.filter((call) => call in findings).map((call) => [call, findings[call]]));
  return { workflowId, runId, oldestAnswerAt: (oldest ?? new Date(0)).toISOString(), findings: ordered as EtFindings };
}

/** How a closed run ended: its result, or the failure Temporal recorded. */
export interface RunEnding {
  result: EnrichmentResult | null;
  /** The failure message (the work message of a failed enrichment), for runs that did not complete. */
  failure: string | null;
  failureType: string | null;
  failedCalls: FailedCall[];
}

export async function endingOfRun(client: Client, workflowId: string, runId: string): Promise<RunEnding> {
  try {
    const result = (await client.workflow.getHandle(workflowId, runId, { followRuns: false }).result()) as EnrichmentResult;
    return { result, failure: null, failureType: null, failedCalls: result?.failedCalls ?? [] };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as { failedCalls?: FailedCall[] } | undefined) : undefined;
    return {
      result: null,
      failure: cause?.message || err.message,
      failureType: cause instanceof ApplicationFailure ? (cause.type ?? 'ApplicationFailure') : (cause?.name ?? null),
      failedCalls: Array.isArray(details?.failedCalls) ? details.failedCalls : [],
    };
  }
}

/** True when a worker polled the task queue recently (Temporal forgets pollers after a few minutes). */
export async function hasWorker(ops: OpsClient): Promise<boolean> {
  try {
    const res = await ops.client.workflowService.describeTaskQueue({
      namespace: ops.namespace,
      taskQueue: { name: ops.taskQueue, kind: 1 /* TASK_QUEUE_KIND_NORMAL */ },
      taskQueueType: 1 /* TASK_QUEUE_TYPE_WORKFLOW */,
    });
    return (res.pollers ?? []).length > 0;
  } catch {
    return true; // Cannot tell: do not cry wolf.
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
