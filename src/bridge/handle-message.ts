/**
 * What the bridge does with one listen-queue message: start its workflow, or refuse it truthfully
 * (close its work with the reason, or hand a playbook its bundle back), or drop it as unreadable.
 * Only a transient failure (Temporal or OpenCTI unreachable) puts the message back in the queue;
 * a start Temporal rejects outright (INVALID_ARGUMENT) closes the request in error instead.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { OpenCtiApi } from '../opencti/api';
import type { BridgeMetrics } from '../temporal/runtime';
import { grpcFailure, isPermanentRejection } from '../temporal/grpc-status';
import type { Verdict } from './consumer';
import { decide } from './message';
import type { PlaybookContext } from '../shared/types';
import { identityId } from '../stix/ids';
import { startEnrichment } from './start-enrichment';
import { authorOf, autoWorkflowId, findReusableRun } from './storm-guard';

export interface HandlerDeps {
  /** Prometheus counters (absent in unit setups without a Temporal runtime). */
  metrics?: BridgeMetrics;
  config: Pick<Config, 'connectorScope' | 'etMaxTlp' | 'temporalTaskQueue' | 'autoReuseWindow' | 'autoEnrichOwnOutput' | 'connectorName' | 'workPingIntervalSeconds' | 'connectorId'>;
  client: Client;
  api: OpenCtiApi;
  logger: Logger;
  now?: () => Date;
}

export interface BridgeStats {
  started: number;
  duplicates: number;
  /** Automatic requests answered by a running or recent run of the same entity. */
  reused: number;
  refused: number;
  invalid: number;
  /** Requests whose workflow start Temporal rejected outright; closed in error, never retried. */
  rejected: number;
}

/** A short, bounded label for the refusal metric. */
function refusalKind(reason: string): string {
  if (reason.includes('TLP')) return 'tlp';
  if (reason.includes('scope')) return 'scope';
  return 'value';
}

export function createMessageHandler(deps: HandlerDeps, stats: BridgeStats) {
  const now = deps.now ?? (() => new Date());
  const ownAuthorId = identityId(deps.config.connectorName, 'organization');

  /** Closes a request's work without a workflow (reuse, own output); OpenCTI unreachable: retry later. */
  const closeWork = async (workId: string | null, draftId: string | null, reason: string, inError: boolean): Promise<Verdict> => {
    if (!workId) return 'ack';
    try {
      await deps.api.workToProcessed(workId, `ProofPoint ET Intelligence: ${reason}`, inError, draftId);
      return 'ack';
    } catch (err) {
      deps.logger.warn('OpenCTI unreachable while closing a work; the request goes back to the queue', { workId, err });
      return 'requeue';
    }
  };
  /**
   * Answers a request no workflow will handle, in error: a playbook continues with its bundle
   * unchanged rather than stalling at this step; otherwise the work is closed with the reason.
   * OpenCTI unreachable: the request goes back to the queue, to be answered later.
   */
  const answerWithoutWorkflow = async (
    request: { workId: string | null; draftId: string | null; playbook: PlaybookContext | null },
    reason: string,
  ): Promise<Verdict> => {
    try {
      if (request.playbook) {
        await deps.api.playbookStepExecution({
          execution_id: request.playbook.executionId,
          event_id: request.playbook.eventId,
          execution_start: now().toISOString(),
          data_instance_id: request.playbook.dataInstanceId,
          playbook_id: request.playbook.playbookId,
          previous_step_id: request.playbook.previousStepId,
          step_id: request.playbook.stepId,
          previous_bundle: JSON.stringify(request.playbook.bundle),
          bundle: JSON.stringify(request.playbook.bundle),
        });
      } else if (request.workId) {
        await deps.api.workToProcessed(request.workId, `ProofPoint ET Intelligence: ${reason}`, true, request.draftId);
      }
    } catch (err) {
      deps.logger.warn('OpenCTI unreachable while answering a request without a workflow; it goes back to the queue', { workId: request.workId, err });
      return 'requeue';
    }
    return 'ack';
  };
  return async (body: Buffer, redelivered: boolean): Promise<Verdict> => {
    deps.metrics?.consumed.add(1);
    const decision = decide(body, { scope: deps.config.connectorScope, maxTlp: deps.config.etMaxTlp, now, workPingIntervalSeconds: deps.config.workPingIntervalSeconds });
    const log = deps.logger;

    if (decision.kind === 'invalid') {
      stats.invalid += 1;
      deps.metrics?.invalid.add(1);
      log.warn('Dropped an unreadable enrichment request', { reason: decision.reason, workId: decision.workId, redelivered });
      if (decision.workId) {
        // Best effort: the work is closed with the reason; the message is dropped either way (never loops).
        await deps.api
          .workToProcessed(decision.workId, `ProofPoint ET Intelligence could not read this request: ${decision.reason}`, true, decision.draftId)
          .catch((err) => log.warn('Could not close the work of an unreadable request', { workId: decision.workId, err }));
      }
      return 'ack';
    }

    if (decision.kind === 'refuse') {
      stats.refused += 1;
      deps.metrics?.refused.add(1, { reason: refusalKind(decision.reason) });
      log.info('Refused an enrichment request', { reason: decision.reason, entityId: decision.entityId, workId: decision.workId });
      return answerWithoutWorkflow(decision, decision.reason);
    }

    const request = decision.request;
    let workflowId = decision.workflowId;
    if (request.trigger === 'auto') {
      // Our own output (related domains, IPs, files) is not auto-enriched again unless asked.
      if (!deps.config.autoEnrichOwnOutput && authorOf(request.stixEntity) === ownAuthorId) {
        stats.refused += 1;
        deps.metrics?.refused.add(1, { reason: 'own-output' });
        return closeWork(request.workId, request.draftId, 'not enriched automatically: this entity was created by this connector (set PROOFPOINT_ET_AUTO_ENRICH_OWN_OUTPUT=true to enrich it too)', false);
      }
      workflowId = autoWorkflowId(deps.config.connectorId, request.entityId);
      try {
        const reuse = await findReusableRun(deps.client, workflowId, deps.config.autoReuseWindow.ms, now());
        if (reuse.reuse) {
          stats.reused += 1;
          deps.metrics?.reused.add(1);
          log.info('Automatic request reuses a recent enrichment', { entityId: request.entityId, workId: request.workId, reason: reuse.reason });
          return closeWork(request.workId, request.draftId, reuse.reason, false);
        }
      } catch (err) {
        log.warn('Temporal unreachable while checking for a recent enrichment; the request goes back to the queue', { err });
        return 'requeue';
      }
    }
    try {
      const res = await startEnrichment(deps.client, deps.config.temporalTaskQueue, workflowId, request, request.trigger === 'auto' ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE');
      if (res.started) {
        stats.started += 1;
        deps.metrics?.started.add(1, { trigger: request.trigger });
      } else if (request.trigger === 'auto') {
        // Another bridge started this entity's automatic run a moment ago: reuse it.
        stats.reused += 1;
        deps.metrics?.reused.add(1);
        return closeWork(request.workId, request.draftId, `an enrichment of this entity is already running (workflow ${workflowId}); ET was not called again`, false);
      } else {
        stats.duplicates += 1;
        deps.metrics?.duplicates.add(1);
      }
      log.info(res.started ? 'Started an enrichment workflow' : 'Enrichment already started for this request (redelivery); not starting another', {
        workflowId: res.workflowId,
        entityType: decision.request.entityType,
        trigger: decision.request.trigger,
      });
      return 'ack';
    } catch (err) {
      const failure = grpcFailure(err);
      if (isPermanentRejection(err)) {
        // Temporal refused this start itself (INVALID_ARGUMENT, e.g. "Namespace default has no
        // mapping defined for search attribute EtTrigger"): the same start can never succeed, so a
        // requeue would only loop, holding the queue (and, once the broker gives up, losing the
        // request without a word). We close the request in error instead, with the real cause:
        // visible on its work in OpenCTI (or the playbook goes on unchanged) and in this log at
        // error level, so nothing is lost silently; the user enriches again once it is fixed.
        // A namespace without our search attributes is normally caught before this, at start-up
        // (src/temporal/namespace-check.ts).
        stats.rejected += 1;
        deps.metrics?.refused.add(1, { reason: 'start-rejected' });
        log.error('Temporal rejected the workflow start; the request is closed in error, not retried', {
          workflowId,
          entityId: request.entityId,
          workId: request.workId,
          code: failure?.codeName,
          cause: failure?.reason,
        });
        return answerWithoutWorkflow(request, `Temporal rejected the enrichment workflow (${failure?.reason ?? String(err)}); ask your administrator to check the connector's Temporal namespace (\`et-connector setup\`), then enrich again`);
      }
      // Unreachable, timed out, throttled, not permitted: it can get better, so the message goes
      // back to the queue; the consumer waits before settling a requeue, so this does not spin.
      log.warn('Temporal did not accept the workflow start; the request goes back to the queue', {
        workflowId,
        code: failure?.codeName,
        cause: failure?.reason,
        err,
      });
      return 'requeue';
    }
  };
}
