/**
 * API listen mode (protocol §2.7, OpenCTI ≥ 6.5.7): when a connector registered a
 * `listen_callback_uri`, the platform's worker consumes `listen_<id>` and POSTs each body unchanged
 * to that URI with the connector user's token. 200/202 → ack. A connection error → wait, requeue.
 * Other statuses → dropped, unless the error reads "Bad Gateway" or "Request timed out" (requeue).
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { request } from 'undici';
import type { Logger } from '../../logger';
import type { BrokerConsumer, FakeBroker } from './broker';

/** One POST the fake worker made to a connector's callback. */
export interface CallbackDelivery {
  at: string;
  connectorId: string;
  uri: string;
  status: number | null;
  outcome: 'acked' | 'requeued' | 'dropped';
  error: string | null;
}

export class ListenForwarder {
  readonly deliveries: CallbackDelivery[] = [];
  private readonly consumers = new Map<string, BrokerConsumer>();

  constructor(
    private readonly broker: FakeBroker,
    private readonly token: string,
    private readonly now: () => Date,
    private readonly logger: Logger,
    /** The real worker waits 10-30 s after a connection error; tests need less. */
    private readonly retryDelayMs = 500,
  ) {}

  async ensure(connectorId: string, listenQueue: string, uri: string): Promise<void> {
    if (this.consumers.get(connectorId)?.active) return;
    const consumer = await this.broker.consume(listenQueue, (msg, channel) => this.forward(connectorId, uri, msg, channel));
    this.consumers.set(connectorId, consumer);
  }

  private async forward(connectorId: string, uri: string, msg: ConsumeMessage, channel: Channel): Promise<void> {
    const record = (status: number | null, outcome: CallbackDelivery['outcome'], error: string | null) =>
      this.deliveries.push({ at: this.now().toISOString(), connectorId, uri, status, outcome, error });
    try {
      const res = await request(uri, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', 'user-agent': 'pycti/6.9.17 worker/6.9.17' },
        body: msg.content,
        headersTimeout: 300_000,
        bodyTimeout: 300_000,
      });
      const text = await res.body.text();
      if (res.statusCode === 200 || res.statusCode === 202) {
        record(res.statusCode, 'acked', null);
        channel.ack(msg);
        return;
      }
      const requeue = res.statusCode === 502 || res.statusCode === 504 || /Bad Gateway|Request timed out/i.test(text);
      record(res.statusCode, requeue ? 'requeued' : 'dropped', text.slice(0, 300));
      if (requeue) await new Promise((r) => setTimeout(r, this.retryDelayMs));
      channel.nack(msg, false, requeue);
    } catch (err) {
      record(null, 'requeued', (err as Error).message);
      this.logger.warn('fake OpenCTI worker could not reach the connector callback; requeueing', { connectorId, uri });
      await new Promise((r) => setTimeout(r, this.retryDelayMs));
      channel.nack(msg, false, true);
    }
  }

  async stop(): Promise<void> {
    for (const consumer of this.consumers.values()) await consumer.cancel();
    this.consumers.clear();
  }
}
