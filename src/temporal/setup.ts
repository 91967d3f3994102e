/**
 * `et-connector setup`: prepares a Temporal namespace of a real cluster for this connector, through
 * the operator API: registers the custom search attributes the workflows set (missing ones only,
 * so it is idempotent). The dev server gets them from its start-up flags instead.
 */
import { temporal } from '@temporalio/proto';
import type { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';

export interface SetupResult {
  added: string[];
  present: string[];
}

export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<SetupResult> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  }
  return { added: missing.map((k) => k.name), present: ALL_SEARCH_ATTRIBUTES.filter((k) => known.has(k.name)).map((k) => k.name) };
}
