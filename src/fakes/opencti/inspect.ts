/**
 * Read-only views over the fake's records for assertions, and polling helpers.
 */
import type { ReceivedPart } from './worker-sim';
import type { WorkCall, WorkDocument, WorkRecord, WorkStore, WorkTrackingHash, WorkTransition } from './works';

/** A copy of everything known about one work. */
export interface WorkSnapshot extends WorkDocument {
  /** `isWorkAlive`. */
  alive: boolean;
  /** The tracking hash (expected/processed counts while running), null once removed. */
  tracking: WorkTrackingHash | null;
  /** True once `delete` was called (the platform no longer knows the work). */
  deleted: boolean;
  /** `inError` of the last `toProcessed` call (false when none). */
  inError: boolean;
  transitions: WorkTransition[];
  calls: WorkCall[];
}

/** Snapshot of a work, or undefined when the id was never created. */
export function workSnapshot(works: WorkStore, id: string): WorkSnapshot | undefined {
  const record = works.records.get(id);
  if (!record) return undefined;
  return structuredClone({
    ...record.document,
    alive: works.isAlive(id),
    tracking: works.trackingHash(id),
    deleted: record.deletedAt !== null,
    inError: record.calls.findLast((c) => c.operation === 'toProcessed')?.args.inError === true,
    transitions: record.transitions,
    calls: record.calls,
  });
}

/**
 * True when a GraphQL client added expectations to the work before the first push part for it
 * was received (pycti's order: `addExpectations(n)`, then publish the n parts). False when no
 * part was received or no expectation came first.
 */
export function expectationsAddedBeforeParts(record: WorkRecord | undefined, parts: readonly ReceivedPart[]): boolean {
  const first = parts.find((p) => p.workId === record?.id && !p.fromSplit);
  if (!record || !first) return false;
  return record.calls.some((c) => c.operation === 'addExpectations' && c.source === 'graphql' && c.seq < first.seq);
}

/**
 * Polls `probe` every 20 ms until it returns something other than undefined/false/null and
 * resolves with that value; rejects after `timeoutMs` with `describe()` in the message.
 */
export async function pollUntil<T>(probe: () => T | undefined | null | false, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`Fake OpenCTI: timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
