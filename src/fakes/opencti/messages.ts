/**
 * Listen-queue messages as the platform builds them (protocol §3.2–3.5), with the same key
 * order as `askElementEnrichmentForConnectors` (manual), `publishEventToConnectors` (auto) and
 * the playbook component's `notify`, so `JSON.stringify` gives the platform's bytes.
 * Also reads the ids back out of a message body (zod, lenient) for `publishRequest`.
 */
import { z } from 'zod';

/** Id of the platform's automation-manager user, the applicant of playbook messages. */
export const AUTOMATION_MANAGER_USER_ID = 'c49fe040-2dad-412d-af07-ce639204ad55';

/** STIX extension id of the OpenCTI extension (holds the internal id). */
const OPENCTI_EXTENSION = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';

/** The entity an enrichment is asked for. */
export interface EnrichmentEntity {
  /** STIX standard id, e.g. `ipv4-addr--…`. */
  entityId: string;
  /** OpenCTI entity type, e.g. `IPv4-Addr`. */
  entityType: string;
  /** The entity's STIX 2.1 object (sent double-encoded as `event.stix_entity`). */
  stixEntity: object;
  /** Objects for `event.stix_objects` when the connector's resolution is `stix_bundle`; default none (null). */
  stixObjects?: object[];
}

/** Manual (`askEnrichment`) or automatic (entity created/updated). */
export type EnrichmentMode = 'manual' | 'auto';

/** Input of {@link buildEnrichmentMessage}. */
export interface EnrichmentMessageInput {
  workId: string;
  mode: EnrichmentMode;
  /** Auto mode only: `create` (default) or `update`; manual is always `update`. */
  trigger?: 'create' | 'update';
  draftId?: string | null;
  entity: EnrichmentEntity;
  /** The connector's `enrichment_resolution`; null means `stix_bundle` on the platform. */
  enrichmentResolution: string | null;
}

/** §3.2 message for manual or automatic enrichment. */
export function buildEnrichmentMessage(input: EnrichmentMessageInput): object {
  const { entity } = input;
  const resolution = input.enrichmentResolution ?? 'stix_bundle';
  const stixObjects = resolution === 'stix_bundle' && entity.stixObjects ? JSON.stringify(entity.stixObjects) : null;
  const draftId = input.draftId ?? null;
  const internal =
    input.mode === 'manual'
      ? { work_id: input.workId, applicant_id: null, draft_id: draftId, mode: 'manual', trigger: 'update' }
      : { work_id: input.workId, applicant_id: null, draft_id: draftId, trigger: input.trigger ?? 'create', mode: 'auto' };
  return {
    internal,
    event: {
      event_type: 'INTERNAL_ENRICHMENT',
      entity_id: entity.entityId,
      entity_type: entity.entityType,
      stix_entity: JSON.stringify(entity.stixEntity),
      stix_objects: stixObjects,
    },
  };
}

/** Ids of one playbook step delivery (§3.5 `internal.playbook`). */
export interface PlaybookStepIds {
  eventId: string;
  executionId: string;
  playbookId: string;
  dataInstanceId: string;
  stepId: string;
  previousStepId: string;
}

/** A STIX bundle as carried by playbook messages (`id` is a bare UUID there). */
export interface PlaybookBundle {
  id: string;
  spec_version?: string;
  type: string;
  objects: Array<{ id: string; [key: string]: unknown }>;
}

/** §3.5 message for the playbook component "Enrich through connector". */
export function buildPlaybookMessage(ids: PlaybookStepIds, bundle: PlaybookBundle): object {
  const base = bundle.objects.find((o) => o.id === ids.dataInstanceId);
  const extensions = base?.extensions as Record<string, { id?: unknown } | undefined> | undefined;
  const internalId = extensions?.[OPENCTI_EXTENSION]?.id;
  return {
    internal: {
      work_id: null,
      playbook: {
        event_id: ids.eventId,
        execution_id: ids.executionId,
        playbook_id: ids.playbookId,
        data_instance_id: ids.dataInstanceId,
        step_id: ids.stepId,
        previous_step_id: ids.previousStepId,
      },
      applicant_id: AUTOMATION_MANAGER_USER_ID,
      // As coded on the platform: "create" when the base element carries an internal id.
      trigger: internalId !== undefined && internalId !== null && internalId !== '' ? 'create' : 'update',
      mode: 'auto',
    },
    event: { entity_id: ids.dataInstanceId, bundle },
  };
}

// Each field is read on its own (`.catch(null)`): a message that is wrong elsewhere (the
// malformed fixtures) still yields the ids it does carry.
const text = z.string().nullish().catch(null);
const requestIdsSchema = z.object({
  internal: z
    .object({
      work_id: text,
      mode: text,
      draft_id: text,
      playbook: z.object({ playbook_id: z.string(), step_id: z.string(), previous_step_id: z.string() }).nullish().catch(null),
    })
    .nullish()
    .catch(null),
  event: z.object({ entity_id: text }).nullish().catch(null),
});

/** What {@link readRequestIds} finds in a listen-queue body. */
export interface RequestIds {
  workId: string | null;
  mode: string | null;
  draftId: string | null;
  entityId: string | null;
  playbook: { playbookId: string; stepId: string; previousStepId: string } | null;
}

/**
 * Reads work and playbook ids from a message body, field by field. A body that is not JSON
 * (e.g. a truncated message) still gives its `"work_id":"…"` when the text contains one: on the
 * platform such a work would exist, since it is created before the message is published.
 */
export function readRequestIds(body: Buffer): RequestIds {
  const textBody = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(textBody);
  } catch {
    const workId = /"work_id"\s*:\s*"([^"]+)"/.exec(textBody)?.[1] ?? null;
    return { workId, mode: null, draftId: null, entityId: null, playbook: null };
  }
  const parsed = requestIdsSchema.safeParse(json);
  const internal = parsed.success ? parsed.data.internal : null;
  const event = parsed.success ? parsed.data.event : null;
  const playbook = internal?.playbook;
  return {
    workId: internal?.work_id ?? null,
    mode: internal?.mode ?? null,
    draftId: internal?.draft_id ?? null,
    entityId: event?.entity_id ?? null,
    playbook: playbook ? { playbookId: playbook.playbook_id, stepId: playbook.step_id, previousStepId: playbook.previous_step_id } : null,
  };
}

/** Work name the platform gives a request (`Manual enrichment` / `Enrichment (<id>)`, plus draft suffix). */
export function enrichmentWorkName(mode: EnrichmentMode, entityId: string | null, draftId: string | null): string {
  if (mode === 'manual') return draftId ? `Manual enrichment in draft ${draftId}` : 'Manual enrichment';
  return draftId ? `Enrichment (${entityId}) in draft ${draftId}` : `Enrichment (${entityId})`;
}
