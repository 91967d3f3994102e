/**
 * All activities of the worker. Workflows import only the *type* of this module.
 */
import { createDeliverActivities, type CliBundleSink } from './deliver';
import { createEtActivities, type EtActivityDeps } from './et-intelligence';
import { createOpenCtiActivities, type OpenCtiActivityDeps } from './opencti';
import type { StixActivityDeps } from './stix';

export interface ActivityDeps {
  et: EtActivityDeps;
  stix: StixActivityDeps;
  /** Absent for one-off CLI runs, which deliver nothing to OpenCTI. */
  opencti: OpenCtiActivityDeps | null;
  /** One-off CLI runs only: where their bundle goes. */
  cliSink?: CliBundleSink | null;
}

const noOpenCti = () => {
  throw new Error('This worker has no OpenCTI configured (a CLI worker); the workflow should not deliver to OpenCTI');
};

export function createActivities(deps: ActivityDeps) {
  const opencti = deps.opencti ? createOpenCtiActivities(deps.opencti) : { reportWorkReceived: noOpenCti, pingWork: noOpenCti, reportWorkProcessed: noOpenCti };
  return {
    ...createEtActivities(deps.et),
    ...createDeliverActivities({ stix: deps.stix, opencti: deps.opencti, cliSink: deps.cliSink ?? null }),
    ...(opencti as ReturnType<typeof createOpenCtiActivities>),
  };
}

export type Activities = ReturnType<typeof createActivities>;
