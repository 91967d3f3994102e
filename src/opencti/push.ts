/**
 * Publishes split bundle parts to the connector's push queue (protocol §4.3), the way pycti does:
 * exchange `push_exchange`, routing key `push_routing`, persistent, `content_encoding: utf-8`,
 * base64 content, on a confirm channel so a part only counts once the broker has taken it.
 */
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { StixBundle } from '../shared/types';
import type { BrokerConnection } from './api';
import { amqpConnectOptions } from './registration';

export interface PushTarget {
  exchange: string;
  routingKey: string;
  broker: BrokerConnection;
}

export interface PushMeta {
  workId: string | null;
  applicantId: string;
  draftId: string | null;
}

/** The AMQP body of one part (protocol §4.3). */
export function pushMessage(part: StixBundle, sequence: number, meta: PushMeta): Record<string, unknown> {
  const body: Record<string, unknown> = {
    bundle_type: 'QUEUE_BUNDLE',
    applicant_id: meta.applicantId,
    action_sequence: sequence,
    entities_types: [],
    content: Buffer.from(JSON.stringify(part), 'utf8').toString('base64'),
    update: false,
    draft_id: meta.draftId,
  };
  if (meta.workId) body.work_id = meta.workId;
  return body;
}

/** Keeps one confirm channel per process and re-opens it after a broker restart. */
export class BundlePublisher {
  private conn: ChannelModel | null = null;
  private channel: Promise<ConfirmChannel> | null = null;

  constructor(private readonly target: () => Promise<PushTarget>) {}

  private async open(): Promise<ConfirmChannel> {
    const { broker } = await this.target();
    const conn = await connect(amqpConnectOptions(broker));
    const drop = () => {
      if (this.conn === conn) {
        this.conn = null;
        this.channel = null;
        // The channel may close alone: close its connection too, or it leaks.
        void conn.close().catch(() => undefined);
      }
    };
    conn.on('close', drop);
    conn.on('error', drop);
    this.conn = conn;
    const ch = await conn.createConfirmChannel();
    ch.on('close', drop);
    ch.on('error', drop);
    return ch;
  }

  /**
   * Publishes parts `from..` (1-based sequence numbers continue from `from`) and waits for the broker's
   * confirms. `onProgress` is called after each confirmed batch with the number of parts done.
   */
  async publish(parts: StixBundle[], meta: PushMeta, from = 0, onProgress?: (done: number) => void): Promise<void> {
    if (!this.channel) this.channel = this.open();
    let ch: ConfirmChannel;
    try {
      ch = await this.channel;
    } catch (err) {
      this.channel = null;
      throw err;
    }
    const { exchange, routingKey } = await this.target();
    const BATCH = 200;
    for (let i = from; i < parts.length; i += BATCH) {
      const end = Math.min(parts.length, i + BATCH);
      for (let j = i; j < end; j++) {
        const body = Buffer.from(JSON.stringify(pushMessage(parts[j]!, j + 1, meta)), 'utf8');
        ch.publish(exchange, routingKey, body, { persistent: true, contentEncoding: 'utf-8' });
      }
      await ch.waitForConfirms();
      onProgress?.(end);
    }
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    this.channel = null;
    await conn?.close().catch(() => undefined);
  }
}
