/**
 * The start-up check of the search attributes, and how a Temporal error's gRPC status is read,
 * against stub connections (the real server is in test/e2e/namespace-check.test.ts).
 */
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger';
import { ALL_SEARCH_ATTRIBUTES } from '../../../src/shared/search-attributes';
import { grpcFailure, GrpcStatus, isPermanentRejection } from '../../../src/temporal/grpc-status';
import { assertSearchAttributes, NamespaceNotFoundError, SearchAttributesMissingError, type OperatorConnection } from '../../../src/temporal/namespace-check';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const TEXT = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT;

/** An error as @grpc/grpc-js raises it: code, details, metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

function listing(custom: Record<string, number>): OperatorConnection {
  return { operatorService: { listSearchAttributes: async () => ({ customAttributes: custom, systemAttributes: { WorkflowId: KEYWORD } }) } };
}
function failing(err: Error): OperatorConnection {
  return { operatorService: { listSearchAttributes: async () => Promise.reject(err) } };
}
function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger({}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>)) };
}

describe('assertSearchAttributes', () => {
  it('passes when every attribute is registered as Keyword', async () => {
    const all = Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, KEYWORD]));
    await expect(assertSearchAttributes(listing(all), 'default', capture().logger)).resolves.toBe('ok');
  });

  it('refuses with a typed error naming the missing ones and what to run', async () => {
    const err = await assertSearchAttributes(listing({ EtObservableType: KEYWORD }), 'prod', capture().logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SearchAttributesMissingError);
    const e = err as SearchAttributesMissingError;
    expect(e.missing).toEqual(ALL_SEARCH_ATTRIBUTES.map((k) => k.name).filter((n) => n !== 'EtObservableType'));
    expect(e.message).toMatch(/namespace 'prod' is missing this connector's search attributes: EtObservableValue, /);
    expect(e.message).toContain('et-connector setup');
  });

  it('refuses when one is registered with another type (setup cannot retype it)', async () => {
    const all = Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, k.name === 'EtOutcome' ? TEXT : KEYWORD]));
    const e = (await assertSearchAttributes(listing(all), 'default', capture().logger).catch((x: unknown) => x)) as SearchAttributesMissingError;
    expect(e).toBeInstanceOf(SearchAttributesMissingError);
    expect(e.missing).toEqual([]);
    expect(e.wrongType).toEqual(['EtOutcome']);
    expect(e.message).toContain('search-attribute remove');
  });

  it.each([GrpcStatus.PERMISSION_DENIED, GrpcStatus.UNIMPLEMENTED])('warns and goes on when listing is not permitted (code %i)', async (code) => {
    const { lines, logger } = capture();
    await expect(assertSearchAttributes(failing(grpcError(code, 'Request unauthorized.')), 'default', logger)).resolves.toBe('unchecked');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', namespace: 'default', reason: 'Request unauthorized.' });
  });

  it('names a namespace that does not exist, with what to do', async () => {
    const err = grpcError(GrpcStatus.NOT_FOUND, 'Namespace nope is not found.');
    const refused = await assertSearchAttributes(failing(err), 'nope', capture().logger).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NamespaceNotFoundError);
    expect((refused as Error).message).toContain("TEMPORAL_NAMESPACE: the Temporal server has no namespace 'nope'");
  });

  it('fails start-up on any other error, as it came', async () => {
    const err = grpcError(GrpcStatus.UNAVAILABLE, 'connection refused');
    await expect(assertSearchAttributes(failing(err), 'default', capture().logger)).rejects.toBe(err);
  });
});

describe('grpcFailure', () => {
  it("finds the server's reason under the client's generic 'Failed to start Workflow'", () => {
    const wrapped = new Error('Failed to start Workflow', { cause: grpcError(GrpcStatus.INVALID_ARGUMENT, 'Namespace default has no mapping defined for search attribute EtTrigger') });
    expect(grpcFailure(wrapped)).toEqual({ code: 3, codeName: 'INVALID_ARGUMENT', reason: 'Namespace default has no mapping defined for search attribute EtTrigger' });
    expect(isPermanentRejection(wrapped)).toBe(true);
  });

  it('reads the native connection errors (reason in the message, empty details)', () => {
    const native = Object.assign(new Error('Namespace nope is not found.'), { code: GrpcStatus.NOT_FOUND, details: '' });
    expect(grpcFailure(native)).toMatchObject({ codeName: 'NOT_FOUND', reason: 'Namespace nope is not found.' });
  });

  it('treats outages, throttling and auth problems as worth retrying', () => {
    for (const code of [GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.PERMISSION_DENIED, GrpcStatus.NOT_FOUND]) {
      expect(isPermanentRejection(new Error('x', { cause: grpcError(code, 'y') })), String(code)).toBe(false);
    }
    expect(isPermanentRejection(new Error('no status'))).toBe(false);
    expect(grpcFailure('not an error')).toBeNull();
  });
});
