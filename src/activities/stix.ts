/**
 * STIX assembly as an activity: ids are UUIDv5 (SHA-1), which needs node:crypto, so it cannot run in
 * the workflow sandbox. The mapping itself is the pure converter in src/stix.
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

export function createStixActivities(deps: StixActivityDeps) {
  return {
    async assembleBundle(input: { request: EnrichmentRequest; findings: EtFindings }): Promise<AssembledBundle> {
      const { objects, added } = buildEnrichmentObjects({
        entity: input.request.stixEntity,
        entityType: input.request.entityType,
        findings: input.findings,
        authorName: deps.authorName,
        markingLevel: deps.markingLevel,
        now: deps.now().toISOString(),
      });
      if (input.request.playbook) {
        return { bundle: mergeIntoPlaybookBundle(input.request.playbook.bundle, objects), added };
      }
      return { bundle: objects.length > 0 ? makeBundle(objects) : null, added };
    },
  };
}
