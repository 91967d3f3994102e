/**
 * Simulation of opencti-worker's push handler (protocol §4.4, §6.2; `opencti-worker/src/push_handler.py`):
 * consumes every registered connector's push queue with manual ack and, instead of importing,
 * records what it would import and reports expectations to the work exactly as the worker does.
 *
 * Simplification: a multi-object bundle is split in-process (one part per object, no
 * republish, no `nb_deps`/incompatible-object filtering); expectations are counted as the
 * worker would: `addExpectations(n)` first, then one `reportExpectation` per part.
 */
import type { Channel, ConsumeMessage, MessagePropertyHeaders } from 'amqplib';
import { z } from 'zod';
import type { Logger } from '../../logger';
import type { StixObject } from '../../shared/types';
import type { BrokerConsumer, FakeBroker } from './broker';
import type { WorkStore } from './works';

/** AMQP details of a received push message. */
export interface DeliveryInfo {
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  deliveryMode: number | undefined;
  contentEncoding: string | undefined;
  contentType: string | undefined;
  headers: MessagePropertyHeaders | undefined;
}

/** What the worker did with one push message. */
export type PushOutcome = 'imported' | 'split' | 'dropped' | 'rejected';

/** One message consumed from a push queue. */
export interface PushMessageRecord {
  seq: number;
  at: string;
  connectorId: string;
  workId: string | null;
  outcome: PushOutcome;
  /** Why it was dropped (dead work) or rejected (nacked without requeue). */
  reason: string | null;
  delivery: DeliveryInfo;
  /** The body text as received. */
  body: string;
}

/** A STIX bundle as decoded from `content`. */
export interface PartBundle {
  type?: unknown;
  id?: unknown;
  spec_version?: unknown;
  objects: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** One imported part (a single-object bundle, or a `no_split` bundle). */
export interface ReceivedPart {
  seq: number;
  at: string;
  connectorId: string;
  workId: string | null;
  bundle: PartBundle;
  action_sequence: number | null;
  applicant_id: string | null;
  draft_id: string | null;
  update: boolean;
  entities_types: string[];
  /** True when the part came from the simulation's own split of a multi-object message. */
  fromSplit: boolean;
  delivery: DeliveryInfo;
}

/** Decides whether importing an object fails; return the error text to report, or null. */
export type ImportErrorHook = (object: Record<string, unknown>, part: ReceivedPart) => string | null | undefined;

const pushMessageSchema = z.looseObject({
  type: z.string().optional(),
  applicant_id: z.string().nullish(),
  action_sequence: z.number().nullish(),
  entities_types: z.array(z.string()).nullish(),
  content: z.string(),
  update: z.boolean().nullish(),
  draft_id: z.string().nullish(),
  work_id: z.string().nullish(),
  no_split: z.boolean().nullish(),
});
type PushMessage = z.infer<typeof pushMessageSchema>;

const bundleSchema = z.looseObject({ objects: z.array(z.record(z.string(), z.unknown())).optional() });

/** The simulated worker. */
export class WorkerSim {
  readonly pushMessages: PushMessageRecord[] = [];
  readonly parts: ReceivedPart[] = [];
  private readonly consumers = new Map<string, BrokerConsumer>();
  private importError: ImportErrorHook | null = null;

  constructor(
    private readonly broker: FakeBroker,
    private readonly works: WorkStore,
    private readonly now: () => Date,
    private readonly logger: Logger,
  ) {}

  /** Starts consuming `pushQueue` for `connectorId` unless a live consumer exists. */
  async ensureConsumer(connectorId: string, pushQueue: string): Promise<void> {
    if (this.consumers.get(connectorId)?.active) return;
    const consumer = await this.broker.consume(pushQueue, (msg, channel) => this.handle(connectorId, msg, channel));
    this.consumers.set(connectorId, consumer);
  }

  /** Makes the next imports fail for the objects the hook picks (null to reset). */
  setImportErrorHook(hook: ImportErrorHook | null): void {
    this.importError = hook;
  }

  /** Stops every consumer (the queues stay). */
  async stop(): Promise<void> {
    for (const consumer of this.consumers.values()) await consumer.cancel();
    this.consumers.clear();
  }

  private async handle(connectorId: string, msg: ConsumeMessage, channel: Channel): Promise<void> {
    const body = msg.content.toString('utf8');
    const delivery: DeliveryInfo = {
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      redelivered: msg.fields.redelivered,
      deliveryMode: msg.properties.deliveryMode as number | undefined,
      contentEncoding: msg.properties.contentEncoding as string | undefined,
      contentType: msg.properties.contentType as string | undefined,
      headers: msg.properties.headers,
    };
    const record = (workId: string | null, outcome: PushOutcome, reason: string | null): PushMessageRecord => {
      const entry = { seq: this.works.nextSeq(), at: this.now().toISOString(), connectorId, workId, outcome, reason, delivery, body };
      this.pushMessages.push(entry);
      return entry;
    };
    const verdict = this.process(connectorId, body, delivery, record);
    if (verdict === 'ack') channel.ack(msg);
    else channel.nack(msg, false, false); // the worker nacks without requeue: the message is dropped
  }

  private process(connectorId: string, body: string, delivery: DeliveryInfo, record: (workId: string | null, outcome: PushOutcome, reason: string | null) => PushMessageRecord): 'ack' | 'nack' {
    let data: PushMessage;
    try {
      data = pushMessageSchema.parse(JSON.parse(body));
    } catch (err) {
      record(null, 'rejected', `not a push message: ${err instanceof Error ? err.message : String(err)}`);
      return 'nack';
    }
    const workId = data.work_id ?? null;
    // "If work no longer exists, bundle can be acked without doing anything."
    if (workId !== null && !this.works.isAlive(workId)) {
      record(workId, 'dropped', 'work is not alive');
      return 'ack';
    }
    let bundle: PartBundle;
    try {
      const parsed = bundleSchema.parse(JSON.parse(Buffer.from(data.content, 'base64').toString('utf8')));
      if ((data.type ?? 'bundle') !== 'bundle') throw new Error(`unsupported message type ${data.type}`);
      if (!parsed.objects || parsed.objects.length === 0) throw new Error('JSON data type is not a STIX2 bundle');
      bundle = { ...parsed, objects: parsed.objects };
    } catch (err) {
      record(workId, 'rejected', err instanceof Error ? err.message : String(err));
      return 'nack';
    }
    const base = {
      connectorId,
      workId,
      action_sequence: data.action_sequence ?? null,
      applicant_id: data.applicant_id ?? null,
      draft_id: data.draft_id ?? null,
      update: data.update ?? false,
      entities_types: data.entities_types ?? [],
      delivery,
    };
    if (bundle.objects.length === 1 || data.no_split) {
      const entry = record(workId, 'imported', null);
      this.importPart({ ...base, seq: entry.seq, at: entry.at, bundle, fromSplit: false });
      return 'ack';
    }
    const entry = record(workId, 'split', null);
    if (workId !== null) this.works.addExpectations(workId, bundle.objects.length, 'worker');
    const { objects, ...envelope } = bundle;
    for (const object of objects) {
      this.importPart({ ...base, seq: this.works.nextSeq(), at: entry.at, bundle: { ...envelope, objects: [object] }, fromSplit: true });
    }
    return 'ack';
  }

  /** "Imports" a part: records it, then reports one expectation per object (pycti's import does). */
  private importPart(part: ReceivedPart): void {
    this.parts.push(part);
    if (part.workId === null) return;
    for (const object of part.bundle.objects) {
      const error = this.importError?.(object, part) ?? null;
      this.works.reportExpectation(part.workId, error === null ? null : { error, source: JSON.stringify(object) }, 'worker');
    }
    this.logger.debug('fake OpenCTI worker imported a part', { workId: part.workId, objects: part.bundle.objects.length });
  }
}

/**
 * Union of the objects received in `parts`, by id (last wins), without the splitter's
 * `nb_deps`/`x_opencti_seq`. Objects without a string `id` and `type` are left out.
 */
export function unionOfParts(parts: readonly ReceivedPart[]): StixObject[] {
  const byId = new Map<string, StixObject>();
  for (const part of parts) {
    for (const object of part.bundle.objects) {
      const { nb_deps: _nbDeps, x_opencti_seq: _seq, ...clean } = object;
      if (typeof clean.id === 'string' && typeof clean.type === 'string') byId.set(clean.id, clean as StixObject);
    }
  }
  return [...byId.values()];
}
