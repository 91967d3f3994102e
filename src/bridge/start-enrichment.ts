/**
 * Starts the `enrichObservable` workflow for a request, idempotently: the workflow id is derived
 * from the request and Temporal refuses a second run with that id, running or closed,
 * so a redelivered message never starts a second enrichment.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { EtObservableType, EtObservableValue, EtTrigger, OpenCtiEntityId, OpenCtiWorkId } from '../shared/search-attributes';
import type { EnrichmentRequest } from '../shared/types';

export const WORKFLOW_TYPE = 'enrichObservable';

export interface StartResult {
  workflowId: string;
  /** False when Temporal already had this workflow (a redelivery). */
  started: boolean;
}

export function staticSummary(request: EnrichmentRequest): string {
  return `Enrich ${request.entityType} ${request.value} (${request.trigger})`.slice(0, 200);
}

export function searchAttributesFor(request: EnrichmentRequest) {
  const attrs = [
    { key: EtObservableType, value: request.entityType },
    { key: EtObservableValue, value: request.value },
    { key: OpenCtiEntityId, value: request.entityId },
    { key: EtTrigger, value: request.trigger },
  ];
  if (request.workId) attrs.push({ key: OpenCtiWorkId, value: request.workId });
  return attrs;
}

export async function startEnrichment(
  client: Client,
  taskQueue: string,
  workflowId: string,
  request: EnrichmentRequest,
  reusePolicy: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE' = 'REJECT_DUPLICATE',
): Promise<StartResult> {
  try {
    await client.workflow.start(WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [request],
      // A running or closed run with this id means the message was redelivered: Temporal refuses the
      // start and we report a duplicate. Re-runs are new workflows with their own ids. Automatic
      // requests share one id per entity and may start again once the reuse window has passed.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: reusePolicy,
      typedSearchAttributes: searchAttributesFor(request),
      staticSummary: staticSummary(request),
    });
    return { workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}
