/**
 * The fake platform's link to the real RabbitMQ broker: one connection, a confirm channel for
 * publishing (the platform publishes on a confirm channel, §2.5), short-lived channels for
 * declarations (a failed declaration closes its channel) and one channel per consumer.
 */
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';
import type { Logger } from '../../logger';

/** A consumer started by {@link FakeBroker.consume}. */
export interface BrokerConsumer {
  readonly queue: string;
  /** False once the broker cancelled it (queue deleted) or its channel closed. */
  readonly active: boolean;
  cancel(): Promise<void>;
}

/** Connection holder used by the fake; never deletes anything on the broker. */
export class FakeBroker {
  // A promise, so concurrent publishes share one channel.
  private publisher: Promise<ConfirmChannel> | null = null;
  private closing = false;
  private readonly consumers = new Set<{ channel: Channel; state: { active: boolean } }>();

  private constructor(
    private connection: ChannelModel,
    private readonly amqpUrl: string,
    private readonly logger: Logger,
  ) {
    this.watch(connection);
  }

  /**
   * Like the platform, which reconnects to RabbitMQ after a broker restart: re-open the connection
   * after an unexpected close. Consumers come back through `ensureConsumer` on the next ping.
   */
  private watch(connection: ChannelModel): void {
    connection.on('error', (err: Error) => this.logger.warn('fake OpenCTI broker connection error', { err }));
    connection.once('close', () => {
      if (this.closing || this.connection !== connection) return;
      this.logger.warn('fake OpenCTI broker connection closed; reconnecting');
      this.publisher = null;
      void this.reconnect();
    });
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * attempt)));
      if (this.closing) return;
      try {
        const next = await connect(this.amqpUrl);
        if (this.closing) {
          await next.close().catch(() => undefined);
          return;
        }
        this.connection = next;
        this.publisher = null;
        this.watch(next);
        this.logger.info('fake OpenCTI broker connection re-opened', { attempt });
        return;
      } catch {
        // The broker is still down: try again.
      }
    }
  }

  /** Opens the connection (`amqpUrl` carries credentials and vhost). */
  static async connect(amqpUrl: string, logger: Logger): Promise<FakeBroker> {
    return new FakeBroker(await connect(amqpUrl), amqpUrl, logger);
  }

  /** Runs `fn` on a fresh channel and closes it afterwards, whatever happens. */
  async withChannel<T>(fn: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.connection.createChannel();
    let closed = false;
    channel.on('error', () => undefined); // the rejected operation already reports it
    channel.on('close', () => {
      closed = true;
    });
    try {
      return await fn(channel);
    } finally {
      if (!closed) await channel.close().catch(() => undefined);
    }
  }

  /** Publishes and waits for the broker's confirm. */
  async publish(exchange: string, routingKey: string, body: Buffer, options: Options.Publish): Promise<void> {
    const channel = await this.publisherChannel();
    await new Promise<void>((resolve, reject) => {
      channel.publish(exchange, routingKey, body, options, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
    });
  }

  /**
   * Consumes `queue` with manual ack and prefetch 1 on a channel of its own; `onMessage` runs
   * for one message at a time, in delivery order, and must ack or nack it.
   */
  async consume(queue: string, onMessage: (msg: ConsumeMessage, channel: Channel) => Promise<void>): Promise<BrokerConsumer> {
    const channel = await this.connection.createChannel();
    const state = { active: true };
    const entry = { channel, state };
    this.consumers.add(entry);
    channel.on('error', (err: Error) => this.logger.warn('fake OpenCTI consumer channel error', { queue, err }));
    channel.on('close', () => {
      state.active = false;
      this.consumers.delete(entry);
    });
    await channel.prefetch(1);
    let chain = Promise.resolve();
    const { consumerTag } = await channel.consume(
      queue,
      (msg) => {
        if (msg === null) {
          state.active = false; // cancelled by the broker, e.g. the queue was deleted
          return;
        }
        chain = chain
          .then(() => onMessage(msg, channel))
          .catch((err: unknown) => this.logger.error('fake OpenCTI consumer handler failed', { queue, err }));
      },
      { noAck: false },
    );
    return {
      queue,
      get active() {
        return state.active;
      },
      cancel: async () => {
        if (!state.active) return;
        state.active = false;
        await channel.cancel(consumerTag).catch(() => undefined);
        await channel.close().catch(() => undefined);
      },
    };
  }

  /** Closes every channel and the connection. Queues and messages stay on the broker. */
  async close(): Promise<void> {
    this.closing = true;
    for (const { channel } of [...this.consumers]) await channel.close().catch(() => undefined);
    if (this.publisher) await (await this.publisher.catch(() => null))?.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }

  private publisherChannel(): Promise<ConfirmChannel> {
    if (this.publisher) return this.publisher;
    const created = this.connection.createConfirmChannel().then((channel) => {
      channel.on('error', (err: Error) => this.logger.warn('fake OpenCTI publisher channel error', { err }));
      channel.on('close', () => {
        if (this.publisher === created) this.publisher = null;
      });
      return channel;
    });
    created.catch(() => {
      if (this.publisher === created) this.publisher = null;
    });
    this.publisher = created;
    return created;
  }
}
