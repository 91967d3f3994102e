/**
 * Plain types shared by the bridge, the workflow and the activities.
 *
 * This module is dependency-free on purpose: workflow code imports it, and workflow code runs in
 * Temporal's deterministic sandbox where Node built-ins and I/O libraries are not allowed.
 */

/** OpenCTI entity types this connector can enrich (the `CONNECTOR_SCOPE` vocabulary). */
export const OBSERVABLE_TYPES = ['IPv4-Addr', 'Domain-Name', 'StixFile'] as const;
export type ObservableType = (typeof OBSERVABLE_TYPES)[number];

/**
 * What asked for the enrichment. `cli` is a one-off run from `et-connector enrich`; `rerun` is a
 * re-run from `et-connector rerun` (pushed to OpenCTI like a manual request, without a work).
 */
export const TRIGGERS = ['manual', 'auto', 'playbook', 'cli', 'rerun'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** A STIX 2.1 object as plain JSON. */
export type StixObject = { id: string; type: string; [key: string]: unknown };

export interface StixBundle {
  type: 'bundle';
  id: string;
  spec_version?: '2.1';
  objects: StixObject[];
}

/** Where the playbook step must be answered (protocol §3.5 / §4.5). */
export interface PlaybookContext {
  eventId: string;
  executionId: string;
  playbookId: string;
  dataInstanceId: string;
  stepId: string;
  previousStepId: string;
  /** The bundle the playbook handed us, returned (with our additions) through playbookStepExecution. */
  bundle: StixBundle;
}

/**
 * One enrichment request, as the bridge (or the CLI) hands it to the `enrichObservable` workflow.
 * Contains no secret: it is stored in workflow history.
 */
export interface EnrichmentRequest {
  trigger: Trigger;
  /** The platform's work for this request (`internal.work_id`); null for playbooks and the CLI. */
  workId: string | null;
  /** STIX standard id of the enriched entity (`event.entity_id`). */
  entityId: string;
  entityType: ObservableType;
  /** The value ET is queried with: IPv4 address, domain (ASCII/punycode form) or lower-case MD5. */
  value: string;
  /** The entity's STIX 2.1 representation as received (`event.stix_entity`, parsed). */
  stixEntity: StixObject;
  applicantId: string | null;
  draftId: string | null;
  playbook: PlaybookContext | null;
  /** When the bridge received the message (ISO 8601); reported as the playbook execution start. */
  receivedAt: string;
  /** How often a long run pings its work (CONNECTOR_WORK_PING_INTERVAL, seconds; pycti: ~300). */
  workPingIntervalSeconds?: number;
  /** A re-run with `--reuse-answers`: the ET answers of the earlier run that it does not ask for again. */
  reusedAnswers?: ReusedAnswers;
}

/** ET answers an earlier run got, carried into a re-run so that only its failed calls are repeated. */
export interface ReusedAnswers {
  workflowId: string;
  runId: string;
  /** When the oldest of these answers arrived (ISO 8601): what the re-run's message gives as their age. */
  oldestAnswerAt: string;
  findings: EtFindings;
}

/** The ET Intelligence calls, one activity each. */
export const ET_CALLS = ['reputation', 'relatedDomains', 'relatedIps', 'relatedSamples', 'geolocation', 'asn', 'sampleDetails'] as const;
export type EtCall = (typeof ET_CALLS)[number];

/** The activity that makes each call (on the `-et` task queue). */
export const ET_ACTIVITY_OF_CALL: Record<EtCall, string> = {
  reputation: 'getReputation',
  relatedDomains: 'getRelatedDomains',
  relatedIps: 'getRelatedIps',
  relatedSamples: 'getRelatedSamples',
  geolocation: 'getGeolocation',
  asn: 'getAsn',
  sampleDetails: 'getSampleDetails',
};

/** Which calls each observable type makes (et-intelligence.md §1.3). */
export const CALLS_BY_TYPE: Record<ObservableType, readonly EtCall[]> = {
  'IPv4-Addr': ['reputation', 'relatedDomains', 'relatedSamples', 'geolocation', 'asn'],
  'Domain-Name': ['reputation', 'relatedIps', 'relatedSamples'],
  StixFile: ['sampleDetails'],
};

export interface ReputationItem {
  category: string;
  score: number;
}
export interface RelatedDomainItem {
  domain: string;
  firstSeen: string; // YYYY-MM-DD
  lastSeen: string; // YYYY-MM-DD
}
export interface RelatedIpItem {
  ip: string;
  version: 4 | 6;
  firstSeen: string;
  lastSeen: string;
}
export interface RelatedSampleItem {
  md5: string; // lower case
  firstSeen: string;
  lastSeen: string;
}
export interface GeolocationItem {
  ip?: string;
  countryCode: string; // upper case ISO 3166-1 alpha-2 as sent
  country?: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}
export interface AsnData {
  asn: number;
  owner: string;
  authorizer?: string;
  country?: string;
  registrationDate?: string;
  reverseLookup?: string;
}
export interface SampleDetails {
  md5: string;
  sha256?: string;
  fileSize?: number;
  fileType?: string;
  submitDate?: string;
}

/** An item ET sent that failed validation and was skipped (the rest of the answer is kept). */
export interface DroppedItem {
  index: number;
  reason: string;
}

/**
 * The useful part of one ET answer, after per-item validation, the last-seen window and the cap.
 * `total` counts valid items before the window and cap, so a summary can say "kept 500 of 50 000".
 */
export interface EtListResult<T> {
  items: T[];
  total: number;
  outsideWindow: number;
  overCap: number;
  /** Items that failed validation. */
  invalidCount: number;
  /** The first of them, with the reason (at most MAX_INVALID_DETAILS: results travel through Temporal's history). */
  invalid: DroppedItem[];
}

/** How many skipped items a result describes one by one; the rest are only counted. */
export const MAX_INVALID_DETAILS = 20;

export interface EtFindings {
  reputation?: EtListResult<ReputationItem>;
  relatedDomains?: EtListResult<RelatedDomainItem>;
  relatedIps?: EtListResult<RelatedIpItem>;
  relatedSamples?: EtListResult<RelatedSampleItem>;
  geolocation?: EtListResult<GeolocationItem>;
  asn?: AsnData | null;
  sampleDetails?: SampleDetails | null;
}

/** A call that still failed after its retries: what the work message and the run result report. */
export interface FailedCall {
  call: EtCall;
  errorType: string;
  message: string;
}

/** How a run ended. Also the `EtOutcome` search attribute. */
export const OUTCOMES = ['completed', 'partial', 'no-data', 'refused', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface EnrichmentResult {
  outcome: Outcome;
  /** Human-readable summary, also the work's final message. */
  message: string;
  failedCalls: FailedCall[];
  /** Number of objects sent to OpenCTI (0 when nothing new was found). */
  objectCount: number;
  /** Number of push messages published (after splitting). */
  pushedParts: number;
}
