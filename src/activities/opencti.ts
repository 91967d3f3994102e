/**
 * Activities that talk to OpenCTI: the work status reports (protocol §3.10), the push of the bundle
 * to the worker queue (§4.1–4.3) and the playbook answer (§4.5).
 */
import { activityInfo, heartbeat, log } from '@temporalio/activity';
import type { OpenCtiApi, Registration } from '../opencti/api';
import type { BundlePublisher } from '../opencti/push';
import { splitBundle } from '../stix/bundle';
import type { PlaybookContext, StixBundle } from '../shared/types';

export interface OpenCtiActivityDeps {
  api: OpenCtiApi;
  publisher: BundlePublisher;
  /** The connector's registration (cached by the worker): gives the default applicant. */
  registration: () => Promise<Registration>;
  connectorId: string;
  /** `api`: push through the stixBundlePush mutation instead of RabbitMQ (CONNECTOR_QUEUE_PROTOCOL). */
  queueProtocol: 'amqp' | 'api';
}

export interface PushInput {
  bundle: StixBundle;
  workId: string | null;
  applicantId: string | null;
  draftId: string | null;
}

/** Progress kept in heartbeat details, so a retried push neither re-adds expectations nor re-sends parts. */
interface PushProgress {
  expectationsAdded: boolean;
  published: number;
}

/** True when the platform already holds this push's expectations (false when it cannot tell). */
async function expectationsAlreadyCounted(deps: OpenCtiActivityDeps, workId: string, parts: number): Promise<boolean> {
  try {
    const expected = await deps.api.workExpectations(workId);
    return expected !== null && expected >= parts;
  } catch (err) {
    // The work query needs the "Access connectors" capability; without it, count them again.
    log.warn('Cannot read the work to check its expectations; adding them', { workId, error: (err as Error).message });
    return false;
  }
}

export function createOpenCtiActivities(deps: OpenCtiActivityDeps) {
  return {
    async reportWorkReceived(workId: string, message: string, draftId: string | null): Promise<void> {
      await deps.api.workToReceived(workId, message, draftId);
    },

    /** Keeps a long-running work alive in the platform (pycti pings every ~5 minutes, protocol §3.7). */
    async pingWork(workId: string): Promise<void> {
      await deps.api.pingWork(workId);
    },

    async reportWorkProcessed(workId: string, message: string, inError: boolean, draftId: string | null): Promise<void> {
      await deps.api.workToProcessed(workId, message, inError, draftId);
    },

    /** Splits the bundle as pycti does, announces the parts as expectations, then publishes them. */
    async pushBundle(input: PushInput): Promise<{ parts: number }> {
      if (deps.queueProtocol === 'api') {
        // The platform queues the unsplit bundle and its worker splits it and counts expectations.
        await deps.api.stixBundlePush(deps.connectorId, JSON.stringify(input.bundle), input.workId);
        return { parts: 1 };
      }
      const { parts } = splitBundle(input.bundle);
      const previous = (activityInfo().heartbeatDetails as PushProgress | undefined) ?? { expectationsAdded: false, published: 0 };
      const progress: PushProgress = { ...previous };
      if (input.workId && !progress.expectationsAdded) {
        // addExpectations is not idempotent: a worker can die after the platform counted them but
        // before the heartbeat saying so reached Temporal. On a retry, ask the platform first.
        const counted = activityInfo().attempt > 1 && (await expectationsAlreadyCounted(deps, input.workId, parts.length));
        if (!counted) await deps.api.addExpectations(input.workId, parts.length, input.draftId);
        progress.expectationsAdded = true;
        heartbeat(progress);
      }
      const registration = await deps.registration();
      const applicantId = input.applicantId ?? registration.connector_user_id ?? '';
      await deps.publisher.publish(parts, { workId: input.workId, applicantId, draftId: input.draftId }, progress.published, (done) => {
        progress.published = done;
        heartbeat(progress);
      });
      return { parts: parts.length };
    },

    /** Hands the bundle back to the playbook that asked (no work, no queue). */
    async answerPlaybook(playbook: PlaybookContext, bundle: StixBundle, receivedAt: string): Promise<{ accepted: boolean }> {
      const accepted = await deps.api.playbookStepExecution({
        execution_id: playbook.executionId,
        event_id: playbook.eventId,
        execution_start: receivedAt,
        data_instance_id: playbook.dataInstanceId,
        playbook_id: playbook.playbookId,
        previous_step_id: playbook.previousStepId,
        step_id: playbook.stepId,
        previous_bundle: JSON.stringify(playbook.bundle),
        bundle: JSON.stringify(bundle),
      });
      return { accepted };
    },
  };
}
