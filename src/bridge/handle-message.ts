/**
 * What the bridge does with one listen-queue message: start its workflow, or refuse it truthfully
 * (close its work with the reason, or hand a playbook its bundle back), or drop it as unreadable.
 * Only a transient failure (Temporal or OpenCTI unreachable) puts the message back in the queue.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { OpenCtiApi } from '../opencti/api';
import type { Verdict } from './consumer';
import { decide } from './message';
import { startEnrichment } from './start-enrichment';

export interface HandlerDeps {
  config: Pick<Config, 'connectorScope' | 'etMaxTlp' | 'temporalTaskQueue'>;
  client: Client;
  api: OpenCtiApi;
  logger: Logger;
  now?: () => Date;
}

export interface BridgeStats {
  started: number;
  duplicates: number;
  refused: number;
  invalid: number;
}

export function createMessageHandler(deps: HandlerDeps, stats: BridgeStats) {
  const now = deps.now ?? (() => new Date());
  return async (body: Buffer, redelivered: boolean): Promise<Verdict> => {
    const decision = decide(body, { scope: deps.config.connectorScope, maxTlp: deps.config.etMaxTlp, now });
    const log = deps.logger;

    if (decision.kind === 'invalid') {
      stats.invalid += 1;
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
      log.info('Refused an enrichment request', { reason: decision.reason, entityId: decision.entityId, workId: decision.workId });
      try {
        if (decision.playbook) {
          // A playbook continues with its bundle unchanged rather than stalling at this step.
          await deps.api.playbookStepExecution({
            execution_id: decision.playbook.executionId,
            event_id: decision.playbook.eventId,
            execution_start: now().toISOString(),
            data_instance_id: decision.playbook.dataInstanceId,
            playbook_id: decision.playbook.playbookId,
            previous_step_id: decision.playbook.previousStepId,
            step_id: decision.playbook.stepId,
            previous_bundle: JSON.stringify(decision.playbook.bundle),
            bundle: JSON.stringify(decision.playbook.bundle),
          });
        } else if (decision.workId) {
          await deps.api.workToProcessed(decision.workId, `ProofPoint ET Intelligence: ${decision.reason}`, true, decision.draftId);
        }
      } catch (err) {
        log.warn('OpenCTI unreachable while refusing a request; it goes back to the queue', { err });
        return 'requeue';
      }
      return 'ack';
    }

    try {
      const res = await startEnrichment(deps.client, deps.config.temporalTaskQueue, decision.workflowId, decision.request);
      if (res.started) stats.started += 1;
      else stats.duplicates += 1;
      log.info(res.started ? 'Started an enrichment workflow' : 'Enrichment already started for this request (redelivery); not starting another', {
        workflowId: res.workflowId,
        entityType: decision.request.entityType,
        trigger: decision.request.trigger,
      });
      return 'ack';
    } catch (err) {
      log.warn('Temporal did not accept the workflow start; the request goes back to the queue', { workflowId: decision.workflowId, err });
      return 'requeue';
    }
  };
}
