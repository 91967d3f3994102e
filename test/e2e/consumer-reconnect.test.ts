/**
 * The bridge's listen-queue consumer on the real broker: it recovers when only its channel dies
 * (the connection living on), and a stop() during a reconnect backoff really stops it.
 * (The broker restart itself is covered by chaos.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type Message } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenConsumer } from '../../src/bridge/consumer';
import { createLogger } from '../../src/logger';

const BROKER = { host: '127.0.0.1', port: 5672, vhost: '/', use_ssl: false, user: 'guest', pass: 'guest' };

async function until(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('listen consumer recovery on the real broker', () => {
  let admin: ChannelModel;
  let channel: Channel;
  const queues: string[] = [];
  const logs: string[] = [];
  const logger = createLogger({}, (line) => logs.push(line));

  beforeAll(async () => {
    admin = await connect('amqp://guest:guest@127.0.0.1:5672');
    channel = await admin.createChannel();
  });
  afterAll(async () => {
    for (const q of queues) await channel.deleteQueue(q).catch(() => undefined);
    await admin?.close().catch(() => undefined);
  });

  const newQueue = async (declare = true) => {
    const q = `e2e-consumer-${randomUUID()}`;
    queues.push(q);
    if (declare) await channel.assertQueue(q, { durable: false, autoDelete: false });
    return q;
  };

  it('re-opens its channel when the broker closes only the channel, and consumes again', async () => {
    const queue = await newQueue();
    const got: string[] = [];
    const consumer = new ListenConsumer({
      broker: async () => BROKER,
      queue,
      prefetch: 5,
      logger,
      handle: async (body) => {
        got.push(body.toString('utf8'));
        return 'ack';
      },
    });
    await consumer.start();
    try {
      channel.sendToQueue(queue, Buffer.from('one'));
      await until(() => got.includes('one'), 10_000, 'the first message');

      // A channel-level error (acking an unknown delivery tag): the broker closes that channel
      // with PRECONDITION_FAILED and keeps the connection.
      const inner = consumer as unknown as { channel: Channel | null };
      const first = inner.channel!;
      first.ack({ fields: { deliveryTag: 999_999 } } as unknown as Message);
      await until(() => inner.channel !== null && inner.channel !== first && consumer.state === 'consuming', 15_000, 'a new channel');

      channel.sendToQueue(queue, Buffer.from('two'));
      await until(() => got.includes('two'), 10_000, 'the message sent after the channel error');
      expect(logs.some((l) => l.includes('RabbitMQ channel closed; reconnecting'))).toBe(true);
    } finally {
      await consumer.stop();
    }
  });

  it('a stop() during the reconnect backoff stops for good: nothing is consumed afterwards', async () => {
    const queue = await newQueue(false); // not declared yet: every attempt fails (404) and backs off
    let handled = 0;
    const consumer = new ListenConsumer({
      broker: async () => BROKER,
      queue,
      prefetch: 5,
      logger,
      handle: async () => {
        handled += 1;
        return 'ack';
      },
    });
    const starting = consumer.start();
    // Three failed attempts: the backoff is now 4 s.
    const failures = () => logs.filter((l) => l.includes('Cannot consume the listen queue') && l.includes(queue)).length;
    await until(() => failures() >= 3, 15_000, 'three failed attempts');
    const t = Date.now();
    await consumer.stop();
    await starting; // the start loop ends instead of sleeping out its backoff
    expect(Date.now() - t).toBeLessThan(2000);
    expect(consumer.state).toBe('stopped');

    await channel.assertQueue(queue, { durable: false, autoDelete: false });
    channel.sendToQueue(queue, Buffer.from('late'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(handled).toBe(0);
    const { consumerCount, messageCount } = await channel.checkQueue(queue);
    expect(consumerCount).toBe(0);
    expect(messageCount).toBe(1);
  });
});
