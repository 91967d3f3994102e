/**
 * Delivery activities. Each assembles the STIX bundle from the ET findings and hands it to its
 * destination within the same activity, so the bundle never enters Temporal's history: a payload is
 * refused above 2 MB, and a capped big domain's bundle is several megabytes. Only the findings
 * (bounded by the per-kind cap) and the counts travel through the history.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { answerPlaybook, pushBundle, type OpenCtiActivityDeps } from './opencti';
import { assembleBundle, type AssembledBundle, type StixActivityDeps } from './stix';
import type { EnrichmentRequest, EtFindings, StixBundle } from '../shared/types';

export interface DeliverInput {
  request: EnrichmentRequest;
  /** Null when every ET call failed: a playbook then gets its own bundle back, unchanged. */
  findings: EtFindings | null;
}

export interface Delivered {
  /** Counts by kind of what the enrichment added, for the work message. */
  added: Record<string, number>;
  /** Objects in the delivered bundle (0 when nothing was delivered). */
  objectCount: number;
  /** Push messages published (pushEnrichment only). */
  parts: number;
  /** Whether the platform accepted a playbook answer (answerPlaybookStep only). */
  accepted?: boolean;
}

/** Where a one-off CLI run's bundle goes: the CLI process that runs the worker on its private queue. */
export type CliBundleSink = (workflowId: string, bundle: StixBundle) => void;

export interface DeliverActivityDeps {
  stix: StixActivityDeps;
  /** Absent on a CLI worker. */
  opencti: OpenCtiActivityDeps | null;
  /** Present on a CLI worker only. */
  cliSink: CliBundleSink | null;
}

function needs<T>(dep: T | null, what: string): T {
  if (dep === null) throw new Error(`This worker has no ${what}; the workflow should not deliver there`);
  return dep;
}

const emptyBundle = (): StixBundle => ({ type: 'bundle', id: `bundle--${randomUUID()}`, spec_version: '2.1', objects: [] });

export function createDeliverActivities(deps: DeliverActivityDeps) {
  return {
    /** Assembles the enrichment and pushes it to the platform (RabbitMQ, or the API in HTTP mode). */
    async pushEnrichment(input: DeliverInput): Promise<Delivered> {
      const opencti = needs(deps.opencti, 'OpenCTI configured (a CLI worker)');
      const { bundle, added } = assembleBundle(deps.stix, input.request, input.findings ?? {});
      if (!bundle) return { added, objectCount: 0, parts: 0 };
      const { request } = input;
      const { parts } = await pushBundle(opencti, bundle, { workId: request.workId, applicantId: request.applicantId, draftId: request.draftId });
      return { added, objectCount: bundle.objects.length, parts };
    },

    /** A playbook step always gets a bundle back: its own, merged with what the enrichment added. */
    async answerPlaybookStep(input: DeliverInput): Promise<Delivered> {
      const opencti = needs(deps.opencti, 'OpenCTI configured (a CLI worker)');
      const playbook = needs(input.request.playbook, 'playbook in this request');
      let assembled: AssembledBundle = { bundle: null, added: {} };
      let assemblyError: Error | null = null;
      try {
        if (input.findings) assembled = assembleBundle(deps.stix, input.request, input.findings);
      } catch (err) {
        assemblyError = err as Error;
      }
      const answer = assembled.bundle ?? playbook.bundle;
      const { accepted } = await answerPlaybook(opencti, playbook, answer, input.request.receivedAt);
      if (assemblyError) {
        // The step has its bundle back; the run still fails truthfully, and is not retried (that would answer twice).
        throw ApplicationFailure.nonRetryable(`could not assemble the STIX bundle (${assemblyError.message}); the playbook got its own bundle back`, 'StixAssemblyError');
      }
      return { added: assembled.added, objectCount: answer.objects.length, parts: 0, accepted };
    },

    /** Hands a one-off CLI run's bundle to the CLI process (its worker polls a queue of its own). */
    async deliverToCli(input: DeliverInput & { workflowId: string }): Promise<Delivered> {
      const sink = needs(deps.cliSink, 'CLI to print to (a connector worker)');
      const { bundle, added } = assembleBundle(deps.stix, input.request, input.findings ?? {});
      const delivered = bundle ?? emptyBundle();
      sink(input.workflowId, delivered);
      return { added, objectCount: delivered.objects.length, parts: 0 };
    },
  };
}
