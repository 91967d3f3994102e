/**
 * Start-up check of the worker and bridge roles: the Temporal namespace must know this
 * connector's search attributes. Without them every workflow start is refused with INVALID_ARGUMENT
 * ("Namespace default has no mapping defined for search attribute EtTrigger"), which the SDK reports
 * only as "Failed to start Workflow": better to refuse to start, once, saying what to run.
 */
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { grpcFailure, GrpcStatus } from './grpc-status';

/** What the check needs of a connection: the client's Connection and the worker's NativeConnection both fit. */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(req: { namespace: string }): Promise<{ customAttributes?: Record<string, unknown> | null; systemAttributes?: Record<string, unknown> | null }>;
  };
}

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

export interface SearchAttributeStatus {
  present: string[];
  missing: string[];
  /** Registered with another type than Keyword: `setup` cannot fix these (Temporal cannot retype one). */
  wrongType: string[];
}

/** Compares the namespace's search attributes with the ones the workflows set. */
export async function searchAttributeStatus(connection: OperatorConnection, namespace: string): Promise<SearchAttributeStatus> {
  let listed: Awaited<ReturnType<OperatorConnection['operatorService']['listSearchAttributes']>>;
  try {
    listed = await connection.operatorService.listSearchAttributes({ namespace });
  } catch (err) {
    if (grpcFailure(err)?.code === GrpcStatus.NOT_FOUND) throw new NamespaceNotFoundError(namespace);
    throw err;
  }
  const known = new Map<string, unknown>([...Object.entries(listed.systemAttributes ?? {}), ...Object.entries(listed.customAttributes ?? {})]);
  const result: SearchAttributeStatus = { present: [], missing: [], wrongType: [] };
  for (const { name } of ALL_SEARCH_ATTRIBUTES) {
    if (!known.has(name)) result.missing.push(name);
    else if (known.get(name) !== KEYWORD) result.wrongType.push(name);
    else result.present.push(name);
  }
  return result;
}

/**
 * Thrown at start-up when the namespace lacks search attributes the workflows set. A ConfigError,
 * so the CLI prints it as a configuration problem (no stack) and exits non-zero.
 */
export class SearchAttributesMissingError extends ConfigError {
  readonly namespace: string;
  readonly missing: readonly string[];
  readonly wrongType: readonly string[];
  constructor(namespace: string, missing: readonly string[], wrongType: readonly string[]) {
    const problems: string[] = [];
    if (missing.length > 0) {
      problems.push(
        `Temporal namespace '${namespace}' is missing this connector's search attributes: ${missing.join(', ')}. ` +
          'Register them with `et-connector setup` (same TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE), or with docker compose ' +
          'let the `temporal-namespace` job finish (`docker compose up temporal-namespace`), then start again.',
      );
    }
    if (wrongType.length > 0) {
      problems.push(
        `Temporal namespace '${namespace}' has ${wrongType.join(', ')} with another type than Keyword: ` +
          'remove them (`temporal operator search-attribute remove`), run `et-connector setup`, then start again.',
      );
    }
    super(problems);
    this.name = 'SearchAttributesMissingError';
    this.namespace = namespace;
    this.missing = missing;
    this.wrongType = wrongType;
  }
}

/** The namespace does not exist on the server (a typo in TEMPORAL_NAMESPACE, or not created yet). */
export class NamespaceNotFoundError extends ConfigError {
  constructor(readonly namespace: string) {
    super([
      `TEMPORAL_NAMESPACE: the Temporal server has no namespace '${namespace}'. Fix the name, or create it ` +
        `(\`temporal operator namespace create -n ${namespace}\`, or with docker compose \`docker compose up temporal-namespace\`), then run \`et-connector setup\`.`,
    ]);
    this.name = 'NamespaceNotFoundError';
  }
}

/** Codes meaning "you may not ask" rather than "the answer is no": a locked-down cluster. */
const NOT_PERMITTED = new Set<number>([GrpcStatus.PERMISSION_DENIED, GrpcStatus.UNIMPLEMENTED]);

/**
 * Refuses to start (SearchAttributesMissingError) when the namespace lacks a search attribute.
 * When the cluster does not let us list them (e.g. an API key without operator rights), it warns
 * and lets start-up go on: the attributes may well be there, and a start that fails is still logged.
 */
export async function assertSearchAttributes(connection: OperatorConnection, namespace: string, logger: Logger): Promise<'ok' | 'unchecked'> {
  let found: SearchAttributeStatus;
  try {
    found = await searchAttributeStatus(connection, namespace);
  } catch (err) {
    const failure = grpcFailure(err);
    if (failure && NOT_PERMITTED.has(failure.code)) {
      logger.warn("Cannot list the namespace's search attributes (not permitted); starting without checking them", {
        namespace,
        code: failure.codeName,
        reason: failure.reason,
        expected: ALL_SEARCH_ATTRIBUTES.map((k) => k.name),
      });
      return 'unchecked';
    }
    throw err;
  }
  if (found.missing.length > 0 || found.wrongType.length > 0) throw new SearchAttributesMissingError(namespace, found.missing, found.wrongType);
  return 'ok';
}
