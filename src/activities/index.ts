/**
 * All activities of the worker. Workflows import only the *type* of this module.
 */
import { createEtActivities, type EtActivityDeps } from './et-intelligence';
import { createOpenCtiActivities, type OpenCtiActivityDeps } from './opencti';
import { createStixActivities, type StixActivityDeps } from './stix';

export interface ActivityDeps {
  et: EtActivityDeps;
  stix: StixActivityDeps;
  /** Absent for one-off CLI runs, which deliver nothing to OpenCTI. */
  opencti: OpenCtiActivityDeps | null;
}

const noOpenCti = () => {
  throw new Error('This worker has no OpenCTI configured (a CLI worker); the workflow should not deliver to OpenCTI');
};

export function createActivities(deps: ActivityDeps) {
  const opencti = deps.opencti
    ? createOpenCtiActivities(deps.opencti)
    : { reportWorkReceived: noOpenCti, pingWork: noOpenCti, reportWorkProcessed: noOpenCti, pushBundle: noOpenCti, answerPlaybook: noOpenCti };
  return {
    ...createEtActivities(deps.et),
    ...createStixActivities(deps.stix),
    ...(opencti as ReturnType<typeof createOpenCtiActivities>),
  };
}

export type Activities = ReturnType<typeof createActivities>;
