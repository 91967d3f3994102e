/**
 * The enrichment request on the listen queue (protocol §3.2, §3.5): zod schemas for the envelope
 * and the decision the bridge takes for it: start a workflow, refuse it (closing its work with the
 * reason), or drop it as unreadable.
 */
import { createHash } from 'node:crypto';
import { isIP, isIPv4 } from 'node:net';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { highestTlp, isTlpAllowed, type TlpLevel } from '../shared/tlp';
import { OBSERVABLE_TYPES, type EnrichmentRequest, type ObservableType, type PlaybookContext, type StixBundle, type StixObject } from '../shared/types';

const OPENCTI_EXT = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';
/** Bounds every string we keep, so a hostile message cannot bloat workflow history. */
const MAX_ID = 512;

const stixObjectSchema = z.looseObject({ id: z.string().min(1).max(MAX_ID), type: z.string().min(1).max(128) });
const bundleSchema = z.looseObject({
  id: z.string().max(MAX_ID),
  type: z.literal('bundle'),
  objects: z.array(stixObjectSchema),
});

const internalSchema = z.looseObject({
  work_id: z.string().min(1).max(MAX_ID).nullable().optional(),
  applicant_id: z.string().max(MAX_ID).nullable().optional(),
  draft_id: z.string().max(MAX_ID).nullable().optional(),
  mode: z.string().max(64).optional(),
  trigger: z.string().max(64).optional(),
  playbook: z
    .looseObject({
      event_id: z.string().min(1).max(MAX_ID),
      execution_id: z.string().min(1).max(MAX_ID),
      playbook_id: z.string().min(1).max(MAX_ID),
      data_instance_id: z.string().min(1).max(MAX_ID),
      step_id: z.string().min(1).max(MAX_ID),
      previous_step_id: z.string().min(1).max(MAX_ID),
    })
    .optional(),
});

const enrichmentEventSchema = z.looseObject({
  event_type: z.literal('INTERNAL_ENRICHMENT'),
  entity_id: z.string().min(1).max(MAX_ID),
  entity_type: z.string().min(1).max(128),
  stix_entity: z.string().min(2, 'must be the JSON text of the entity'),
  stix_objects: z.string().nullable().optional(),
});

const playbookEventSchema = z.looseObject({
  entity_id: z.string().min(1).max(MAX_ID),
  bundle: bundleSchema,
});

export type Decision =
  | { kind: 'start'; request: EnrichmentRequest; workflowId: string }
  | { kind: 'refuse'; reason: string; workId: string | null; draftId: string | null; playbook: PlaybookContext | null; entityId: string }
  | { kind: 'invalid'; reason: string; workId: string | null; draftId: string | null };

export interface DecideOptions {
  scope: readonly string[];
  maxTlp: TlpLevel;
  now: () => Date;
  workPingIntervalSeconds?: number;
}

function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** The value ET is asked about, or the reason this entity cannot be asked about. */
export function observableValue(type: ObservableType, entity: StixObject): { value: string } | { error: string } {
  if (type === 'StixFile') {
    const hashes = (entity.hashes ?? {}) as Record<string, unknown>;
    const md5 = Object.entries(hashes).find(([k]) => k.toUpperCase() === 'MD5')?.[1];
    if (typeof md5 !== 'string' || !/^[a-fA-F0-9]{32}$/.test(md5)) {
      return { error: 'this file has no MD5 hash; ET Intelligence knows samples by MD5 only' };
    }
    return { value: md5.toLowerCase() };
  }
  const value = entity.value;
  if (typeof value !== 'string' || value.trim() === '') return { error: `the ${type} has no value` };
  if (type === 'IPv4-Addr') {
    if (!isIPv4(value.trim())) return { error: `"${value.slice(0, 64)}" is not a single IPv4 address (ranges and CIDR blocks are not enriched)` };
    return { value: value.trim() };
  }
  return domainValue(value);
}

/** Characters a host name never has; domainToASCII would cut the value at some of them. */
const NOT_IN_HOST_NAME = /[\s/?#%\\@:[\]]/;
/** Labels of letters, digits, '-' and '_' (ET lists service names such as _dmarc), joined by dots. */
const ASCII_HOST_NAME = /^(?=.{1,253}$)[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})+$/;

/** ET knows domains in ASCII (punycode) form; the entity keeps its own id and value. */
function domainValue(value: string): { value: string } | { error: string } {
  const shown = `"${value.slice(0, 64)}"`;
  const trimmed = value.trim().replace(/\.$/, '');
  // The WHATWG parser also reads '127.1' and '0x7f.0.0.1' as IPv4 addresses: test after converting.
  const ascii = NOT_IN_HOST_NAME.test(trimmed) ? '' : domainToASCII(trimmed).toLowerCase();
  if (isIP(ascii) !== 0 || isIP(trimmed) !== 0) {
    return { error: `${shown} is an IP address, not a domain name (enrich an IPv4 address as an IPv4-Addr observable)` };
  }
  if (!ASCII_HOST_NAME.test(ascii)) return { error: `${shown} is not a domain name ET can look up` };
  return { value: ascii };
}

function entityTypeOf(entity: StixObject, given: string | undefined): string | undefined {
  if (given) return given;
  const ext = (entity.extensions as Record<string, { type?: unknown }> | undefined)?.[OPENCTI_EXT];
  return typeof ext?.type === 'string' ? ext.type : undefined;
}

/** Deterministic workflow id: a redelivered message maps to the same id, so it never starts a second run. */
export function workflowIdFor(internal: { work_id?: string | null; playbook?: { execution_id: string; step_id: string } }, entityId: string, body: Buffer): string {
  if (internal.work_id) return `enrich/${internal.work_id}`;
  if (internal.playbook) return `enrich/playbook/${internal.playbook.execution_id}/${internal.playbook.step_id}`;
  return `enrich/${entityId}/${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
}

/** Reads one listen-queue message and decides what to do with it. Never throws. */
export function decide(body: Buffer, opts: DecideOptions): Decision {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    // A cut-off message still names the work the platform created for it: close that work too.
    const workId = /"work_id"\s*:\s*"(work_[^"\\]{1,400})"/.exec(body.subarray(0, 4096).toString('utf8'))?.[1] ?? null;
    return { kind: 'invalid', reason: `the message is not JSON (${body.length} bytes)`, workId, draftId: null };
  }
  const top = z.looseObject({ internal: internalSchema, event: z.looseObject({}) }).safeParse(json);
  if (!top.success) {
    const workId = (json as { internal?: { work_id?: unknown } })?.internal?.work_id;
    return { kind: 'invalid', reason: `not an enrichment request: ${issuesText(top.error)}`, workId: typeof workId === 'string' ? workId : null, draftId: null };
  }
  const internal = top.data.internal;
  const workId = internal.work_id ?? null;
  const draftId = internal.draft_id ?? null;
  const invalid = (reason: string): Decision => ({ kind: 'invalid', reason, workId, draftId });

  let entity: StixObject;
  let entityId: string;
  let givenType: string | undefined;
  let playbook: PlaybookContext | null = null;
  if (internal.playbook) {
    const ev = playbookEventSchema.safeParse(top.data.event);
    if (!ev.success) return invalid(`invalid playbook request: ${issuesText(ev.error)}`);
    entityId = ev.data.entity_id;
    const pb = internal.playbook;
    playbook = {
      eventId: pb.event_id,
      executionId: pb.execution_id,
      playbookId: pb.playbook_id,
      dataInstanceId: pb.data_instance_id,
      stepId: pb.step_id,
      previousStepId: pb.previous_step_id,
      // The raw object, not zod's output: the platform compares previous_bundle with what it sent.
      bundle: (top.data.event as { bundle: StixBundle }).bundle,
    };
    const found = playbook.bundle.objects.find((o) => o.id === entityId);
    if (!found) return invalid(`the playbook bundle does not contain the entity ${entityId}`);
    entity = found as StixObject;
  } else {
    const ev = enrichmentEventSchema.safeParse(top.data.event);
    if (!ev.success) return invalid(`invalid enrichment request: ${issuesText(ev.error)}`);
    entityId = ev.data.entity_id;
    givenType = ev.data.entity_type;
    let parsed: unknown;
    try {
      parsed = JSON.parse(ev.data.stix_entity);
    } catch {
      return invalid('event.stix_entity is not valid JSON text');
    }
    const obj = stixObjectSchema.safeParse(parsed);
    if (!obj.success) return invalid(`event.stix_entity is not a STIX object: ${issuesText(obj.error)}`);
    entity = parsed as StixObject;
  }

  const refuse = (reason: string): Decision => ({ kind: 'refuse', reason, workId, draftId, playbook, entityId });
  const entityType = entityTypeOf(entity, givenType);

  // TLP first, as the reference connector does: nothing leaves for ET above the maximum.
  const markings = Array.isArray(entity.object_marking_refs) ? (entity.object_marking_refs as unknown[]).filter((m): m is string => typeof m === 'string') : [];
  const tlp = highestTlp(markings);
  if (!isTlpAllowed(tlp, opts.maxTlp)) {
    return refuse(`not enriched: the entity is marked ${tlp}, above the connector's maximum ${opts.maxTlp} (PROOFPOINT_ET_MAX_TLP)`);
  }
  const inScope = opts.scope.some((s) => s.toLowerCase() === entityType?.toLowerCase());
  const supported = OBSERVABLE_TYPES.find((t) => t.toLowerCase() === entityType?.toLowerCase());
  if (!entityType || !inScope || !supported) {
    return refuse(`not enriched: ${entityType ?? 'this entity type'} is not in this connector's scope (${opts.scope.join(', ')})`);
  }
  const value = observableValue(supported, entity);
  if ('error' in value) return refuse(`not enriched: ${value.error}`);

  const mode = internal.mode === 'auto' ? 'auto' : 'manual';
  const request: EnrichmentRequest = {
    trigger: playbook ? 'playbook' : mode,
    workId,
    entityId,
    entityType: supported,
    value: value.value,
    stixEntity: entity,
    applicantId: internal.applicant_id ?? null,
    draftId,
    playbook,
    receivedAt: opts.now().toISOString(),
  };
  if (opts.workPingIntervalSeconds !== undefined) request.workPingIntervalSeconds = opts.workPingIntervalSeconds;
  return { kind: 'start', request, workflowId: workflowIdFor(internal, entityId, body) };
}
