/**
 * Custom search attributes: how operators find runs in Temporal Web UI and `temporal workflow list`.
 * Pure definitions (safe in workflow code). Registered by the dev server flags and, on a real
 * cluster, by `et-connector setup` through the operator API.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const EtObservableType = defineSearchAttributeKey('EtObservableType', SearchAttributeType.KEYWORD);
export const EtObservableValue = defineSearchAttributeKey('EtObservableValue', SearchAttributeType.KEYWORD);
export const OpenCtiEntityId = defineSearchAttributeKey('OpenCtiEntityId', SearchAttributeType.KEYWORD);
export const OpenCtiWorkId = defineSearchAttributeKey('OpenCtiWorkId', SearchAttributeType.KEYWORD);
export const EtTrigger = defineSearchAttributeKey('EtTrigger', SearchAttributeType.KEYWORD);
export const EtOutcome = defineSearchAttributeKey('EtOutcome', SearchAttributeType.KEYWORD);
/** Set on a re-run started by `et-connector rerun`: the workflow id of the run it re-runs. */
export const EtRerunOf = defineSearchAttributeKey('EtRerunOf', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [EtObservableType, EtObservableValue, OpenCtiEntityId, OpenCtiWorkId, EtTrigger, EtOutcome, EtRerunOf];
