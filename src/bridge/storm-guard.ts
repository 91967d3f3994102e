/**
 * No enrichment storms. Automatic requests for an entity share one workflow id
 * (`enrich/auto/<connector id>/<entity id>`); before starting, the bridge asks Temporal (strongly consistent, no
 * second database) whether that run is still going or finished within the reuse window. If so,
 * the request reuses it: no ET call, and its work says which run it reused. Manual and playbook
 * requests always run fresh.
 *
 * Also: entities our own enrichment created (author = our identity) are not auto-enriched again,
 * unless PROOFPOINT_ET_AUTO_ENRICH_OWN_OUTPUT is set.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';

const SCO_EXT = 'extension-definition--f93e2c80-4231-4f9a-af8b-95c9bd566a82';

/**
 * One id per connector and entity: two connectors (two OpenCTI platforms) sharing a Temporal
 * namespace must not reuse each other's runs, whose bundles went to the other platform.
 */
export function autoWorkflowId(connectorId: string, entityId: string): string {
  return `enrich/auto/${connectorId}/${entityId}`;
}

/** The author of an entity as the platform sends it (SDO field, OpenCTI custom field, or SCO extension). */
export function authorOf(entity: Record<string, unknown>): string | undefined {
  const ext = (entity.extensions as Record<string, { created_by_ref?: unknown }> | undefined)?.[SCO_EXT];
  const candidates = [entity.created_by_ref, entity.x_opencti_created_by_ref, ext?.created_by_ref];
  return candidates.find((c): c is string => typeof c === 'string');
}

export type Reuse = { reuse: false } | { reuse: true; reason: string };

/** Whether an automatic request can reuse the running or recent run of its entity. */
export async function findReusableRun(client: Client, workflowId: string, windowMs: number, now: Date): Promise<Reuse> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.status.name === 'RUNNING') {
      return { reuse: true, reason: `an enrichment of this entity is already running (workflow ${workflowId}, started ${d.startTime.toISOString()}); ET was not called again` };
    }
    if (d.status.name === 'COMPLETED' && d.closeTime && now.getTime() - d.closeTime.getTime() < windowMs) {
      return {
        reuse: true,
        reason: `reused the enrichment of this entity completed at ${d.closeTime.toISOString()} (workflow ${workflowId}, run ${d.runId}); ET was not called again`,
      };
    }
    return { reuse: false };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { reuse: false };
    throw err;
  }
}
