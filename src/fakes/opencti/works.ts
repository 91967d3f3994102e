/**
 * Work state machine of the platform (protocol §3.10), modelled on `domain/work.js` and the
 * work helpers of `database/redis.ts` in 6.9.17.
 *
 * The platform keeps a work in two places and so does this store:
 * - the history **document** (Elasticsearch): status, times, messages, errors,
 *   `import_expected_number`, `completed_number`;
 * - the **tracking hash** (Redis): `is_initialized`, `import_expected_number`,
 *   `import_processed_number`, `import_last_processed`. `isWorkAlive` reads only this hash.
 * The two drift apart exactly as on the platform, e.g. `toProcessed` completes a work with no
 * expectations but keeps its hash (alive) because the hash counts are not equal (both absent).
 */

/** Work status enum (`State`); `timeout` exists only in the UI. */
export type WorkStatus = 'wait' | 'progress' | 'complete' | 'timeout';

/** One entry of `messages` or `errors`. */
export interface WorkMessage {
  timestamp: string;
  message: string | null;
  sequence: number | null;
  source: string | null;
}

/** The history document of a work. */
export interface WorkDocument {
  id: string;
  name: string;
  timestamp: string;
  updated_at: string;
  event_type: string | null;
  event_source_id: string | null;
  user_id: string;
  connector_id: string;
  status: WorkStatus;
  import_expected_number: number;
  received_time: string | null;
  processed_time: string | null;
  completed_time: string | null;
  completed_number: number;
  messages: WorkMessage[];
  errors: WorkMessage[];
  draft_context: string | null;
}

/** The tracking hash (Redis); fields appear when first written, as with HSET/HINCRBY. */
export interface WorkTrackingHash {
  is_initialized?: true;
  import_expected_number?: number;
  import_processed_number?: number;
  import_last_processed?: string;
}

/** The `workEdit` operations (plus `create`, done by the platform itself). */
export type WorkOperation = 'create' | 'toReceived' | 'toProcessed' | 'addExpectations' | 'reportExpectation' | 'addDraftContext' | 'ping' | 'delete';

/** Who made a call: a GraphQL client (connector or test), the worker simulation, or the fake's own triggers. */
export type WorkCallSource = 'graphql' | 'worker' | 'platform';

/** One recorded call on a work, in global order (`seq` is shared with received push parts). */
export interface WorkCall {
  seq: number;
  at: string;
  operation: WorkOperation;
  args: Record<string, unknown>;
  source: WorkCallSource;
}

/** A status change of the history document. */
export interface WorkTransition {
  seq: number;
  at: string;
  from: WorkStatus | null;
  to: WorkStatus;
}

/** Everything the fake knows about one work id, kept after deletion for inspection. */
export interface WorkRecord {
  readonly id: string;
  readonly connectorId: string;
  /** The history document (its last state when deleted). */
  document: WorkDocument;
  /** Set by `delete`: from then on the platform knows no such work (`work(id)` is null). */
  deletedAt: string | null;
  transitions: WorkTransition[];
  calls: WorkCall[];
}

/** A `workEdit` call on a work id that has no history document. */
export interface UnknownWorkCall extends WorkCall {
  workId: string;
}

/** Input of {@link WorkStore.create}. */
export interface CreateWorkInput {
  connectorId: string;
  connectorType: string | null;
  name: string;
  sourceId: string | null;
  userId: string;
  /** When set the work starts in `progress` with this received time (as `stixBundlePush` does). */
  receivedTime?: string;
  draftContext?: string | null;
  /** A fixed id (e.g. from a fixture message); default `work_<connectorId>_<ISO now>`. */
  id?: string;
  /** Creation time of a fixed-id work; default now. */
  timestamp?: string;
}

/** Error cap of `reportExpectation` ("to avoid maximum string in Elastic"). */
const MAX_REPORTED_ERRORS = 100;

/** In-memory works of the fake platform. */
export class WorkStore {
  /** Every work id ever created, in creation order. */
  readonly records = new Map<string, WorkRecord>();
  /** Calls on work ids without a history document (warnings on the platform). */
  readonly unknownWorkCalls: UnknownWorkCall[] = [];
  private readonly tracking = new Map<string, WorkTrackingHash>();
  private seq = 0;

  constructor(private readonly now: () => Date) {}

  /** Next value of the global sequence that orders work calls and received push parts. */
  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Creates a work as `createWork` does: status `wait` (or `progress`), tracking initialised. */
  create(input: CreateWorkInput, source: WorkCallSource = 'platform'): WorkRecord {
    const id = input.id ?? this.freshId(input.connectorId);
    const nowText = this.nowText();
    const timestamp = input.timestamp ?? nowText;
    const status: WorkStatus = input.receivedTime ? 'progress' : 'wait';
    const document: WorkDocument = {
      id,
      name: input.name,
      timestamp,
      updated_at: nowText,
      event_type: input.connectorType,
      event_source_id: input.sourceId,
      user_id: input.userId,
      connector_id: input.connectorId,
      status,
      import_expected_number: 0,
      received_time: input.receivedTime ?? null,
      processed_time: null,
      completed_time: null,
      completed_number: 0,
      messages: [],
      errors: [],
      draft_context: input.draftContext ?? null,
    };
    const record: WorkRecord = { id, connectorId: input.connectorId, document, deletedAt: null, transitions: [], calls: [] };
    this.records.set(id, record);
    this.tracking.set(id, { is_initialized: true });
    this.log(record, 'create', { name: input.name }, source);
    record.transitions.push({ seq: this.seq, at: nowText, from: null, to: status });
    return record;
  }

  /** The history document, or undefined when the work does not exist (never created or deleted). */
  document(id: string): WorkDocument | undefined {
    const record = this.records.get(id);
    return record && !record.deletedAt ? record.document : undefined;
  }

  /** `isWorkAlive`: true iff the tracking hash has `is_initialized`. */
  isAlive(id: string): boolean {
    return this.tracking.get(id)?.is_initialized === true;
  }

  /** A copy of the tracking hash, or null when it does not exist. */
  trackingHash(id: string): WorkTrackingHash | null {
    const hash = this.tracking.get(id);
    return hash ? { ...hash } : null;
  }

  /** `toReceived`: status `progress`, `received_time`, message appended when not empty. */
  toReceived(id: string, message: string | null | undefined, source: WorkCallSource): string {
    const record = this.knownOrRecord(id, 'toReceived', { message }, source);
    if (!record) return id;
    const at = this.nowText();
    this.setStatus(record, 'progress', at);
    record.document.received_time = at;
    if (isNotEmpty(message)) record.document.messages.push(entry(at, message));
    return id;
  }

  /** `addExpectations`: adds `n` to the document's and the hash's expected count. */
  addExpectations(id: string, expectations: number | null | undefined, source: WorkCallSource): string {
    const record = this.knownOrRecord(id, 'addExpectations', { expectations }, source);
    if (!record) return id;
    // The platform's script/HINCRBY fail on a null increment.
    if (typeof expectations !== 'number') throw new Error('ERR value is not an integer or out of range');
    record.document.updated_at = this.nowText();
    record.document.import_expected_number += expectations;
    const hash = this.hashFor(id);
    hash.import_expected_number = (hash.import_expected_number ?? 0) + expectations;
    // "Ensure that work hasn't been deleted in the meantime": a hash without the flag is removed.
    if (!this.isAlive(id)) this.tracking.delete(id);
    return id;
  }

  /**
   * `reportExpectation` (worker, once per imported part): processed += 1 on the hash; complete
   * when processed == expected; an error is appended (capped at 100). No-op on a dead work.
   */
  reportExpectation(id: string, error: { error?: string | null; source?: string | null } | null | undefined, source: WorkCallSource): string {
    const record = this.knownOrRecord(id, 'reportExpectation', { error }, source);
    const at = this.nowText();
    const hash = this.hashFor(id);
    hash.import_processed_number = (hash.import_processed_number ?? 0) + 1;
    hash.import_last_processed = at;
    const { isComplete, total } = completion(hash);
    if (!this.isAlive(id)) {
      this.tracking.delete(id);
      return id;
    }
    if ((isComplete || error) && record) {
      if (isComplete) {
        this.setStatus(record, 'complete', at);
        record.document.completed_number = total;
        record.document.completed_time = at;
      }
      if (error && record.document.errors.length < MAX_REPORTED_ERRORS) {
        record.document.errors.push({ timestamp: at, message: error.error ?? null, sequence: null, source: error.source ?? null });
      }
    }
    return id;
  }

  /**
   * `toProcessed`: complete when the document expects 0 **or** the hash counts are equal;
   * message to `errors` when `inError`, else to `messages`; the hash is removed only when its
   * counts are equal (the platform's `isComplete`).
   */
  toProcessed(id: string, message: string | null | undefined, inError: boolean | null | undefined, source: WorkCallSource): string {
    const record = this.knownOrRecord(id, 'toProcessed', { message, inError }, source);
    if (!record) return id;
    const at = this.nowText();
    const document = record.document;
    document.processed_time = at;
    const { isComplete, total } = completion(this.tracking.get(id) ?? {});
    if (document.import_expected_number === 0 || isComplete) {
      const completed = total && !Number.isNaN(total) ? total : 1;
      this.setStatus(record, 'complete', at);
      document.import_expected_number = completed;
      document.completed_number = completed;
      document.completed_time = at;
    }
    if (isNotEmpty(message)) (inError ? document.errors : document.messages).push(entry(at, message));
    if (isComplete) this.tracking.delete(id);
    return id;
  }

  /** `addDraftContext`: stores the draft id on the document. */
  addDraftContext(id: string, draftContext: string | null | undefined, source: WorkCallSource): string {
    const record = this.knownOrRecord(id, 'addDraftContext', { draftContext }, source);
    if (!record) return id;
    record.document.updated_at = this.nowText();
    record.document.draft_context = draftContext ?? null;
    return id;
  }

  /** `ping`: `updated_at = now`. On a missing work the platform fails with a TypeError; so does this. */
  ping(id: string, source: WorkCallSource): string {
    const record = this.knownOrRecord(id, 'ping', {}, source);
    if (!record) throw new TypeError("Cannot read properties of undefined (reading '_index')");
    record.document.updated_at = this.nowText();
    return id;
  }

  /** `delete`: removes the document and the hash; a missing work is a silent no-op. */
  delete(id: string, source: WorkCallSource): string {
    const record = this.knownOrRecord(id, 'delete', {}, source);
    if (!record) return id;
    record.deletedAt = this.nowText();
    this.tracking.delete(id);
    return id;
  }

  private knownOrRecord(id: string, operation: WorkOperation, args: Record<string, unknown>, source: WorkCallSource): WorkRecord | undefined {
    const record = this.records.get(id);
    if (record && !record.deletedAt) {
      this.log(record, operation, args, source);
      return record;
    }
    this.logUnknown(id, operation, args, source);
    return undefined;
  }

  private log(record: WorkRecord, operation: WorkOperation, args: Record<string, unknown>, source: WorkCallSource): void {
    record.calls.push({ seq: this.nextSeq(), at: this.nowText(), operation, args, source });
  }

  private logUnknown(workId: string, operation: WorkOperation, args: Record<string, unknown>, source: WorkCallSource): void {
    const call: UnknownWorkCall = { workId, seq: this.nextSeq(), at: this.nowText(), operation, args, source };
    this.unknownWorkCalls.push(call);
    // Keep the trail on deleted works too, so a test can see calls made after a delete.
    this.records.get(workId)?.calls.push(call);
  }

  private setStatus(record: WorkRecord, to: WorkStatus, at: string): void {
    const document = record.document;
    if (document.status === to) return;
    record.transitions.push({ seq: this.seq, at, from: document.status, to });
    document.status = to;
  }

  private hashFor(id: string): WorkTrackingHash {
    let hash = this.tracking.get(id);
    if (!hash) {
      hash = {};
      this.tracking.set(id, hash);
    }
    return hash;
  }

  private freshId(connectorId: string): string {
    // Work ids embed a millisecond timestamp; two works created in the same millisecond would
    // collide (the platform would overwrite the first), so the fake moves on by 1 ms.
    let time = this.now().getTime();
    let id = `work_${connectorId}_${new Date(time).toISOString()}`;
    while (this.records.has(id)) {
      time += 1;
      id = `work_${connectorId}_${new Date(time).toISOString()}`;
    }
    return id;
  }

  private nowText(): string {
    return this.now().toISOString();
  }
}

function completion(hash: WorkTrackingHash): { isComplete: boolean; total: number } {
  // parseInt of a missing field is NaN and NaN !== NaN: absent counts are never "complete".
  const total = hash.import_processed_number ?? Number.NaN;
  const expected = hash.import_expected_number ?? Number.NaN;
  return { isComplete: total === expected, total };
}

function isNotEmpty(message: string | null | undefined): message is string {
  return typeof message === 'string' && message.length > 0;
}

function entry(timestamp: string, message: string): WorkMessage {
  return { timestamp, message, sequence: null, source: null };
}
