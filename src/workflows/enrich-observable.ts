/**
 * `enrichObservable`: one OpenCTI enrichment request, end to end.
 *
 * Report the work received → query ET (one activity per endpoint, in parallel) → assemble the STIX
 * bundle and deliver it in one activity (push queue, playbook answer, or the CLI that asked) → close
 * the work truthfully.
 * Deterministic: no I/O here, only activities.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  metricMeter,
  proxyActivities,
  setCurrentDetails,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Delivered } from '../activities/deliver';
import { ErrorType } from '../errors';
import { EtOutcome } from '../shared/search-attributes';
import {
  CALLS_BY_TYPE,
  type EnrichmentRequest,
  type EnrichmentResult,
  type EtCall,
  type EtFindings,
  type FailedCall,
  type Outcome,
} from '../shared/types';
import { describeAdded, describeFailures, describeFindings } from './summary';

/**
 * ET calls: a request timeout (PROOFPOINT_ET_REQUEST_TIMEOUT, default 20 s) below startToClose, and
 * bounded retries with backoff for 408/429/5xx/network errors (a 429's Retry-After overrides the
 * backoff through `nextRetryDelay`). A refused key or a malformed answer never gets better: not retried.
 */
const etActivity: ActivityOptions = {
  // One HTTP request, itself cut at PROOFPOINT_ET_REQUEST_TIMEOUT (at most 45 s): a worker that
  // dies mid-call is noticed within a minute.
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [ErrorType.EtAuth, ErrorType.EtInvalidResponse],
  },
};

/** Assembly and a hand-over in this process (CLI runs): a retry only helps against a worker crash. */
const stixActivity: ActivityOptions = { startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 3 } };

/**
 * OpenCTI calls and the push: the platform or the broker may be restarting, so retry for several
 * minutes before giving up. The push heartbeats its progress so a retry resumes instead of re-sending.
 */
const openctiRetry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 };
/** One GraphQL call each (the client's own timeout is 60 s). */
const openctiActivity: ActivityOptions = { startToCloseTimeout: '75 seconds', retry: openctiRetry };
/** Assembly, then the push of many parts, heartbeating its progress: a dead worker is noticed in 30 s. */
const pushActivity: ActivityOptions = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds', retry: openctiRetry };

/** pycti pings a work about every 5 minutes while its handler runs (protocol §3.7); we ping a bit earlier. */
const DEFAULT_WORK_PING_SECONDS = 240;

const et = proxyActivities<Activities>(etActivity);
const stix = proxyActivities<Activities>(stixActivity);
const opencti = proxyActivities<Activities>(openctiActivity);
const push = proxyActivities<Activities>(pushActivity);

/**
 * ET activities run on `<task queue>-et`, where the worker sets the deployment-wide ET request
 * budget (Temporal's task-queue rate limit): over budget, calls wait in the queue; they do not fail.
 */
const etOptions = (summary: string): ActivityOptions => ({ ...etActivity, taskQueue: `${workflowInfo().taskQueue}-et`, summary });

const CALL_ACTIVITY: Record<EtCall, (value: string) => Promise<unknown>> = {
  reputation: (v) => et.getReputation.executeWithOptions(etOptions(`ET reputation of ${v}`), [v]),
  relatedDomains: (v) => et.getRelatedDomains.executeWithOptions(etOptions(`ET domains seen on ${v}`), [v]),
  relatedIps: (v) => et.getRelatedIps.executeWithOptions(etOptions(`ET IPs of ${v}`), [v]),
  relatedSamples: (v) => et.getRelatedSamples.executeWithOptions(etOptions(`ET samples talking to ${v}`), [v]),
  geolocation: (v) => et.getGeolocation.executeWithOptions(etOptions(`ET geolocation of ${v}`), [v]),
  asn: (v) => et.getAsn.executeWithOptions(etOptions(`ET ASN of ${v}`), [v]),
  sampleDetails: (v) => et.getSampleDetails.executeWithOptions(etOptions(`ET sample ${v}`), [v]),
};

/** Turns an activity failure into what the work message says. */
function describeError(err: unknown): { errorType: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { errorType: cause.type ?? 'Error', message: cause.message };
  if (cause instanceof TimeoutFailure) return { errorType: 'Timeout', message: `no answer in time (${cause.timeoutType})` };
  if (cause instanceof Error) return { errorType: cause.name, message: cause.message };
  return { errorType: 'Error', message: String(cause) };
}

function isNothing(findings: EtFindings): boolean {
  return Object.values(findings).every((v) => v === null || v === undefined || (typeof v === 'object' && 'items' in v && v.items.length === 0));
}

/** Pings the work every `intervalSeconds` until the run closes it. */
async function keepWorkAlive(workId: string, intervalSeconds: number, done: () => boolean): Promise<void> {
  while (!(await condition(done, intervalSeconds * 1000))) {
    try {
      await opencti.pingWork(workId);
    } catch (err) {
      log.warn('Could not ping the work; it may be closed by the platform as stale', { workId, error: describeError(err).message });
    }
  }
}

export async function enrichObservable(request: EnrichmentRequest): Promise<EnrichmentResult> {
  const subject = `${request.entityType} ${request.value}`;
  const draftId = request.draftId;

  if (request.workId) {
    setCurrentDetails(`Reporting the work received for ${subject}`);
    await opencti.reportWorkReceived(request.workId, `Enriching ${subject} with ProofPoint ET Intelligence`, draftId);
  }

  // A long run (ET rate-limited, OpenCTI restarting) keeps its work alive, as pycti does.
  let closing = false;
  const keepAlive = request.workId ? keepWorkAlive(request.workId, request.workPingIntervalSeconds ?? DEFAULT_WORK_PING_SECONDS, () => closing) : Promise.resolve();

  // 1. ET, all calls of this type in parallel; a failed call costs only its own data. A re-run
  //    with reused answers asks only for the calls its earlier run did not get.
  const allCalls = CALLS_BY_TYPE[request.entityType];
  const reused = (request.reusedAnswers?.findings ?? {}) as Record<string, unknown>;
  const calls = allCalls.filter((call) => !(call in reused));
  setCurrentDetails(`Querying ET Intelligence for ${subject}: ${calls.join(', ') || 'nothing (every answer reused)'}`);
  const settled = await Promise.allSettled(calls.map((call) => CALL_ACTIVITY[call](request.value)));
  const fresh: Record<string, unknown> = {};
  const failedCalls: FailedCall[] = [];
  settled.forEach((res, i) => {
    const call = calls[i]!;
    if (res.status === 'fulfilled') fresh[call] = res.value;
    else failedCalls.push({ call, ...describeError(res.reason) });
  });
  const findings: EtFindings = {};
  for (const call of allCalls) if (call in reused || call in fresh) (findings as Record<string, unknown>)[call] = call in reused ? reused[call] : fresh[call];
  const allFailed = failedCalls.length === allCalls.length;
  const reusedCount = allCalls.length - calls.length;

  // 2. Assemble and deliver, in one activity: the bundle never enters the history (payloads over
  //    2 MB are refused there); only the findings and the counts do.
  let delivered: Delivered | null = null;
  let deliveryError: { errorType: string; message: string } | null = null;
  try {
    if (request.playbook) {
      // A playbook step must always get a bundle back, even when we found nothing or failed.
      setCurrentDetails(`Answering the playbook for ${subject}`);
      delivered = await opencti.answerPlaybookStep({ request, findings: allFailed ? null : findings });
      if (!delivered.accepted) log.warn('The platform did not accept the playbook answer (unknown playbook or step)', { playbookId: request.playbook.playbookId });
    } else if (!allFailed && request.trigger === 'cli') {
      setCurrentDetails(`Assembling the STIX bundle for ${subject}`);
      delivered = await stix.deliverToCli({ request, findings, workflowId: workflowInfo().workflowId });
    } else if (!allFailed) {
      setCurrentDetails(`Assembling the STIX bundle for ${subject} and pushing it to OpenCTI`);
      delivered = await push.pushEnrichment({ request, findings });
    }
  } catch (err) {
    deliveryError = describeError(err);
  }
  const foundNothing = !allFailed && isNothing(findings);

  // 3. Outcome and the work message.
  const found = describeFindings(findings);
  const added = delivered?.added ?? {};
  const objectCount = deliveryError ? 0 : (delivered?.objectCount ?? 0);
  const pushedParts = deliveryError ? 0 : (delivered?.parts ?? 0);
  let outcome: Outcome = allFailed || deliveryError ? 'failed' : failedCalls.length > 0 ? 'partial' : foundNothing ? 'no-data' : 'completed';
  let message = allFailed
    ? `ProofPoint ET Intelligence: enrichment of ${subject} failed, every ET call failed: ${describeFailures(failedCalls)}`
    : `ProofPoint ET Intelligence: ${subject}: ${foundNothing ? 'ET has no data on it' : `added ${describeAdded(added)}`}` +
      (found.length > 0 ? ` (ET answered: ${found.join('; ')})` : '') +
      (failedCalls.length > 0 ? `. Partial result: ${describeFailures(failedCalls)}` : '') +
      (reusedCount > 0 ? `. Reused ${reusedCount} ET ${reusedCount === 1 ? 'answer' : 'answers'} of ${request.reusedAnswers!.workflowId} (the oldest from ${request.reusedAnswers!.oldestAnswerAt})` : '') +
      (pushedParts > 0 ? `. Sent ${objectCount} objects in ${pushedParts} parts.` : '');
  if (deliveryError) {
    outcome = 'failed';
    message = `ProofPoint ET Intelligence: enrichment of ${subject} found data but could not deliver it (${deliveryError.errorType}: ${deliveryError.message})`;
  }

  // 5. Close the work truthfully.
  upsertSearchAttributes([{ key: EtOutcome, value: outcome }]);
  metricMeter
    .createCounter('et_enrichment_runs', 'runs', 'Enrichment runs by outcome')
    .add(1, { outcome, trigger: request.trigger, observable_type: request.entityType });
  closing = true;
  await keepAlive;
  if (request.workId) {
    setCurrentDetails(`Closing the work for ${subject} (${outcome})`);
    await opencti.reportWorkProcessed(request.workId, message, outcome === 'failed', draftId);
  }
  setCurrentDetails(`Done: ${outcome}. ${message}`);

  if (outcome === 'failed') {
    // Fails the run so it shows as Failed in Temporal Web UI and can be re-run from there.
    throw ApplicationFailure.nonRetryable(message, 'EnrichmentFailed', { failedCalls });
  }
  return { outcome, message, failedCalls, objectCount, pushedParts };
}
