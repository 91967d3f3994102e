/**
 * Consumes the connector's listen queue with manual acknowledgements, and reconnects with backoff
 * when the broker restarts or the connection drops. Declares nothing: the platform owns the queue.
 */
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Logger } from '../logger';
import type { BrokerConnection } from '../opencti/api';
import { amqpConnectOptions } from '../opencti/registration';

/** What to do with a message once handled: ack it, or put it back for later (a transient failure). */
export type Verdict = 'ack' | 'requeue';

export interface ConsumerOptions {
  broker: () => Promise<BrokerConnection>;
  queue: string;
  prefetch: number;
  handle: (body: Buffer, redelivered: boolean) => Promise<Verdict>;
  logger: Logger;
  /** Wait before a requeue, so a dependency outage does not spin the message around. */
  requeueDelayMs?: number;
}

export type ConsumerState = 'connecting' | 'consuming' | 'reconnecting' | 'stopped';

export class ListenConsumer {
  private conn: ChannelModel | null = null;
  private channel: Channel | null = null;
  private consumerTag: string | null = null;
  private stopping = false;
  private inFlight = new Set<Promise<void>>();
  private attempt = 0;
  /** Ends the current reconnect backoff early (set while waiting). */
  private wake: (() => void) | null = null;
  state: ConsumerState = 'connecting';
  consumed = 0;

  constructor(private readonly opts: ConsumerOptions) {}

  async start(): Promise<void> {
    this.stopping = false;
    await this.connectLoop();
  }

  private async connectLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.connectOnce();
        this.attempt = 0;
        return;
      } catch (err) {
        if (this.stopping) return;
        this.attempt += 1;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(this.attempt, 6));
        this.state = 'reconnecting';
        this.opts.logger.warn('Cannot consume the listen queue; retrying', { queue: this.opts.queue, retryInMs: delay, err });
        await this.pause(delay);
      }
    }
  }

  /** A backoff wait that stop() cuts short, so a stopped consumer leaves no timer behind. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async connectOnce(): Promise<void> {
    const broker = await this.opts.broker();
    const conn = await connect(amqpConnectOptions(broker));
    conn.on('error', (err) => this.opts.logger.warn('RabbitMQ connection error', { err }));
    try {
      const channel = await conn.createChannel();
      channel.on('error', (err) => this.opts.logger.warn('RabbitMQ channel error', { err }));
      // Passive check only: declaring the queue with other arguments would fail (PRECONDITION_FAILED).
      await channel.checkQueue(this.opts.queue);
      await channel.prefetch(this.opts.prefetch);
      if (this.stopping) throw new Error('the consumer is stopping');
      const { consumerTag } = await channel.consume(this.opts.queue, (msg) => this.onMessage(channel, msg), { noAck: false });
      if (this.stopping) throw new Error('the consumer is stopping');
      this.conn = conn;
      this.channel = channel;
      this.consumerTag = consumerTag;
      this.state = 'consuming';
      this.opts.logger.info('Consuming the listen queue', { queue: this.opts.queue, prefetch: this.opts.prefetch });
      conn.once('close', () => {
        if (this.conn !== conn) return;
        this.conn = null;
        this.channel = null;
        if (!this.stopping) {
          this.state = 'reconnecting';
          this.opts.logger.warn('RabbitMQ connection closed; reconnecting', { queue: this.opts.queue });
          void this.connectLoop();
        }
      });
      // The channel alone can die (a channel-level error) while the connection lives on: without
      // this, the consumer would say 'consuming' and never receive anything again. Closing the
      // connection goes through the reconnect path above.
      // (Deferred: when the whole connection goes, the channel's close comes first, and the
      // connection's handler has taken over by then.)
      channel.once('close', () =>
        setImmediate(() => {
          if (this.channel !== channel || this.stopping) return;
          this.opts.logger.warn('RabbitMQ channel closed; reconnecting', { queue: this.opts.queue });
          void conn.close().catch(() => undefined);
        }),
      );
    } catch (err) {
      // Do not leak the connection of a half-done attempt (e.g. the queue does not exist yet).
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  private onMessage(channel: Channel, msg: ConsumeMessage | null): void {
    if (!msg) {
      // The broker cancelled the consumer (queue deleted): reconnect, which re-checks the queue.
      this.opts.logger.warn('The listen queue consumer was cancelled by the broker', { queue: this.opts.queue });
      void this.conn?.close().catch(() => undefined);
      return;
    }
    this.consumed += 1;
    const work = (async () => {
      let verdict: Verdict;
      try {
        verdict = await this.opts.handle(msg.content, msg.fields.redelivered);
      } catch (err) {
        this.opts.logger.error('Message handler failed; the message goes back to the queue', { err });
        verdict = 'requeue';
      }
      if (verdict === 'requeue') await new Promise((r) => setTimeout(r, this.opts.requeueDelayMs ?? 2000));
      // The channel may have closed meanwhile: then the broker redelivers the message itself.
      if (this.channel !== channel) return;
      try {
        if (verdict === 'ack') channel.ack(msg);
        else channel.nack(msg, false, true);
      } catch (err) {
        this.opts.logger.warn('Could not settle a message; the broker will redeliver it', { err });
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Stops taking messages, lets the ones in hand finish (ack or requeue), then closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.state = 'stopped';
    this.wake?.();
    if (this.channel && this.consumerTag) await this.channel.cancel(this.consumerTag).catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await this.conn?.close().catch(() => undefined);
    this.conn = null;
    this.channel = null;
  }
}
