/**
 * Fake OpenCTI 6.9.17 platform for tests and the demo: see {@link startFakeOpenCti}.
 * @module
 */
export { startFakeOpenCti, type FakeOpenCti, type FakeOpenCtiOptions, type GraphqlCall } from './server';
export type { WorkSnapshot } from './inspect';
export type { ConnectorRecord, ConnectorInfo, PingRecord, RegistrationRecord, RegisterConnectorInput, CallHeaders } from './connectors';
export type { WorkRecord, WorkDocument, WorkCall, WorkTransition, WorkStatus, UnknownWorkCall, WorkTrackingHash } from './works';
export type { PushMessageRecord, ReceivedPart, DeliveryInfo, ImportErrorHook, PartBundle } from './worker-sim';
export type { PlaybookExecution, PlaybookStepExecutionArgs } from './playbooks';
export type { EnrichmentEntity, EnrichmentMode, PlaybookBundle, PlaybookStepIds } from './messages';
export type { AskEnrichmentOptions, PublishedRequest, PublishedPlaybookRequest } from './platform';
export { AUTOMATION_MANAGER_USER_ID } from './messages';
export { connectorQueueNames } from './topology';
