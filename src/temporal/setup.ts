/**
 * `et-connector setup`: prepares a Temporal namespace of a real cluster for this connector, through
 * the operator API: registers the custom search attributes the workflows set (missing ones only,
 * so it is idempotent). The dev server gets them from its start-up flags instead. The worker and
 * the bridge refuse to start until this has been done (src/temporal/namespace-check.ts).
 */
import { temporal } from '@temporalio/proto';
import type { Connection } from '@temporalio/client';
import { searchAttributeStatus, SearchAttributesMissingError } from './namespace-check';

export interface SetupResult {
  added: string[];
  present: string[];
}

export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<SetupResult> {
  const { missing, present, wrongType } = await searchAttributeStatus(connection, namespace);
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  }
  // Temporal cannot change an attribute's type: say which ones the operator must remove first.
  if (wrongType.length > 0) throw new SearchAttributesMissingError(namespace, [], wrongType);
  return { added: missing, present };
}
