/**
 * STIX assembly for the delivery activities: ids are UUIDv5 (SHA-1), which needs node:crypto, so it
 * cannot run in the workflow sandbox. The mapping itself is the pure converter in src/stix.
 */
import { buildEnrichmentObjects } from '../stix/converter';
import { makeBundle } from '../stix/bundle';
import type { EnrichmentRequest, EtFindings, StixBundle, StixObject } from '../shared/types';
import type { TlpLevel } from '../shared/tlp';

export interface StixActivityDeps {
  authorName: string;
  markingLevel?: TlpLevel;
  now: () => Date;
}

export interface AssembledBundle {
  /** What to deliver: our additions (push), or the playbook's bundle merged with them (playbook). Null when nothing was found. */
  bundle: StixBundle | null;
  /** Counts by kind of what the enrichment added, for the work message. */
  added: Record<string, number>;
}

/** A playbook gets its own bundle back, with our version of an object replacing the received one. */
function mergeIntoPlaybookBundle(received: StixBundle, ours: StixObject[]): StixBundle {
  const byId = new Map<string, StixObject>();
  for (const o of received.objects) byId.set(o.id, o);
  for (const o of ours) byId.set(o.id, o);
  return { ...received, objects: [...byId.values()] };
}

/** The bundle an enrichment delivers: the same request and findings always give the same objects and ids. */
export function assembleBundle(deps: StixActivityDeps, request: EnrichmentRequest, findings: EtFindings): AssembledBundle {
  const { objects, added } = buildEnrichmentObjects({
    entity: request.stixEntity,
    entityType: request.entityType,
    findings,
    authorName: deps.authorName,
    markingLevel: deps.markingLevel,
    now: deps.now().toISOString(),
  });
  if (request.playbook) return { bundle: mergeIntoPlaybookBundle(request.playbook.bundle, objects), added };
  return { bundle: objects.length > 0 ? makeBundle(objects) : null, added };
}
