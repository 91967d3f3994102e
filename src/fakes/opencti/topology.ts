/**
 * RabbitMQ names and declarations of the platform (protocol §2.1–2.3), as
 * `opencti-graphql/src/database/rabbitmq.js` (`connectorConfig`, `registerConnectorQueues`,
 * `purgeConnectorQueues`) does them.
 */
import type { Channel } from 'amqplib';

/** Queue and exchange names for one connector; `prefix` is the platform's `rabbitmq:queue_prefix`. */
export interface ConnectorQueueNames {
  listen: string;
  listen_routing: string;
  listen_exchange: string;
  push: string;
  push_routing: string;
  push_exchange: string;
  dead_letter_routing: string;
}

/** Id of the platform's dead-letter queue pair for bundles that are too large. */
const TOO_LARGE_BUNDLE_ID = 'too-large-bundle';

/** The name prefix: `X_` when the platform's queue prefix is `X`, else empty. */
export const namePrefix = (queuePrefix: string | undefined): string => (queuePrefix ? `${queuePrefix}_` : '');

/** Names the platform returns in `config` for a connector id. */
export function connectorQueueNames(connectorId: string, queuePrefix?: string): ConnectorQueueNames {
  const p = namePrefix(queuePrefix);
  return {
    listen: `${p}listen_${connectorId}`,
    listen_routing: `${p}listen_routing_${connectorId}`,
    listen_exchange: `${p}amqp.connector.exchange`,
    push: `${p}push_${connectorId}`,
    push_routing: `${p}push_routing_${connectorId}`,
    push_exchange: `${p}amqp.worker.exchange`,
    dead_letter_routing: `${p}listen_routing_${TOO_LARGE_BUNDLE_ID}`,
  };
}

/** What the platform stores as queue arguments (identical on both queues). */
export interface QueueDeclaration {
  connectorId: string;
  name: string;
  type: string;
  /** As the caller passed it: the register input's list (maybe null) or, on ping, the stored list. */
  scope: readonly string[] | null | undefined;
  /** `rabbitmq:queue_type`, default `classic`. */
  queueType: string;
}

/**
 * Declares both exchanges, both queues and both bindings, exactly as the platform does on
 * `registerConnector`, on every `pingConnector` and at start. A failed declaration closes
 * `channel`, so callers pass a channel dedicated to this call.
 */
export async function declareConnectorTopology(channel: Channel, decl: QueueDeclaration, queuePrefix?: string): Promise<ConnectorQueueNames> {
  const names = connectorQueueNames(decl.connectorId, queuePrefix);
  await channel.assertExchange(names.listen_exchange, 'direct', { durable: true });
  await channel.assertExchange(names.push_exchange, 'direct', { durable: true });
  const queueOptions = {
    exclusive: false,
    durable: true,
    autoDelete: false,
    // amqplib drops undefined table values, as the platform's callback API does.
    arguments: { name: decl.name, config: { id: decl.connectorId, type: decl.type, scope: decl.scope }, 'x-queue-type': decl.queueType },
  };
  await channel.assertQueue(names.listen, queueOptions);
  await channel.bindQueue(names.listen, names.listen_exchange, names.listen_routing, {});
  await channel.assertQueue(names.push, queueOptions);
  await channel.bindQueue(names.push, names.push_exchange, names.push_routing, {});
  return names;
}

/** Deletes both queues, as the platform does when an operator deletes the connector. */
export async function deleteConnectorQueues(channel: Channel, connectorId: string, queuePrefix?: string): Promise<void> {
  const names = connectorQueueNames(connectorId, queuePrefix);
  await channel.deleteQueue(names.listen);
  await channel.deleteQueue(names.push);
}

/**
 * Empties both queues, as `resetStateConnector` does through the management API
 * (`DELETE /api/queues/<vhost>/<queue>/contents`); here with AMQP `queue.purge`, same effect.
 */
export async function purgeConnectorQueues(channel: Channel, connectorId: string, queuePrefix?: string): Promise<void> {
  const names = connectorQueueNames(connectorId, queuePrefix);
  await channel.purgeQueue(names.push);
  await channel.purgeQueue(names.listen);
}
