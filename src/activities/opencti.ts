/**
 * Talking to OpenCTI from activities: the work status reports (protocol §3.10) as activities, and
 * the push of a bundle to the worker queue (§4.1–4.3) and the playbook answer (§4.5) as steps of
 * the delivery activities (deliver.ts), which assemble the bundle they send.
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

export interface PushTargetWork {
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
  };
}

/**
 * Splits the bundle as pycti does, announces the parts as expectations, then publishes them.
 * Runs inside an activity: its progress is kept in heartbeats, so a retry resumes where it stopped
 * (the bundle is assembled again identically: same findings, same ids, same order).
 */
export async function pushBundle(deps: OpenCtiActivityDeps, bundle: StixBundle, target: PushTargetWork): Promise<{ parts: number }> {
  if (deps.queueProtocol === 'api') {
    // The platform queues the unsplit bundle and its worker splits it and counts expectations.
    await deps.api.stixBundlePush(deps.connectorId, JSON.stringify(bundle), target.workId);
    return { parts: 1 };
  }
  const { parts } = splitBundle(bundle);
  const previous = (activityInfo().heartbeatDetails as PushProgress | undefined) ?? { expectationsAdded: false, published: 0 };
  const progress: PushProgress = { ...previous };
  if (target.workId && !progress.expectationsAdded) {
    // addExpectations is not idempotent: a worker can die after the platform counted them but
    // before the heartbeat saying so reached Temporal. On a retry, ask the platform first.
    const counted = activityInfo().attempt > 1 && (await expectationsAlreadyCounted(deps, target.workId, parts.length));
    if (!counted) await deps.api.addExpectations(target.workId, parts.length, target.draftId);
    progress.expectationsAdded = true;
    heartbeat(progress);
  }
  const registration = await deps.registration();
  const applicantId = target.applicantId ?? registration.connector_user_id ?? '';
  await deps.publisher.publish(parts, { workId: target.workId, applicantId, draftId: target.draftId }, progress.published, (done) => {
    progress.published = done;
    heartbeat(progress);
  });
  return { parts: parts.length };
}

/** Hands a bundle back to the playbook that asked (no work, no queue). */
export async function answerPlaybook(deps: OpenCtiActivityDeps, playbook: PlaybookContext, bundle: StixBundle, receivedAt: string): Promise<{ accepted: boolean }> {
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
}
