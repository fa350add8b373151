import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../../../shared/errors/index.js';
import type { QueueMessages, QueueName } from '../../messages.js';
import type { DeadLetter, MessageBroker, PublishOptions } from '../../ports/message-broker.js';
import { createConnectionManager, type LiveConnection } from './connection-manager.js';
import { createQueueConsumer, type QueueConsumer } from './consumer.js';
import { createConsumerLagTracker } from './consumer-lag.js';
import { createInspection } from './inspection.js';
import { createMessageProcessor } from './message-processor.js';
import { createNoticeListener, type NoticeListener } from './notice-listener.js';
import { resolveOptions, type RabbitMqBrokerOptions } from './options.js';
import { createPublisher } from './publisher.js';
import { brokerNames, declareTopology, type Route } from './topology.js';

const HEARTBEAT_SECONDS = 30;
const REQUEUE_PAUSE_MS = 1_000;

/** The routing key a publish gets when the caller names none: the event type, the result kind. */
function defaultRoutingKey(queue: QueueName, body: unknown): string {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as { event?: { type?: unknown }; kind?: unknown };
  if (queue === 'events' && typeof fields.event?.type === 'string') return fields.event.type;
  if (queue === 'results' && typeof fields.kind === 'string') return fields.kind;
  return queue;
}

/**
 * The production message broker, on RabbitMQ through amqplib. Publishes are confirmed and
 * persistent; consumers ack manually; failures are retried through TTL wait queues and end in
 * a dead queue; the connection is rebuilt (topology, publisher, consumers) after it drops.
 * See this folder's `index.ts` for the topology.
 *
 * @example
 * const broker = createRabbitMqBroker({ url: 'amqp://guest:guest@127.0.0.1:5672', logger });
 * await broker.start();
 * await broker.publish('events', message, { routingKey: message.event.type });
 * const consumer = await broker.consume('events', async ({ body }) => fanOut(body), { concurrency: 8 });
 */
export function createRabbitMqBroker(input: RabbitMqBrokerOptions): MessageBroker {
  const options = resolveOptions(input);
  const log = options.logger.child({ component: 'rabbitmq-broker', prefix: options.prefix });
  const names = brokerNames(options.prefix);
  const consumers = new Set<QueueConsumer>();
  const listeners = new Set<NoticeListener>();
  let latest: LiveConnection | undefined;
  let closed = false;

  const publisher = createPublisher({
    names,
    logger: log,
    publishTimeoutMs: options.publishTimeoutMs,
    onChannelFailed: (reason) => manager.reset(reason),
  });

  const manager = createConnectionManager({
    url: options.url,
    connectionName: options.connectionName,
    logger: log,
    connectTimeoutMs: options.connectTimeoutMs,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    reconnectBackoffMs: options.reconnectBackoffMs,
    async onConnected(connection) {
      latest = connection;
      const setup = await connection.openChannel();
      try {
        await declareTopology(setup, names);
      } finally {
        await setup.close().catch(() => undefined);
      }
      await publisher.attach(connection);
      for (const consumer of consumers) await consumer.subscribe(connection);
      for (const listener of listeners) await listener.subscribe(connection);
    },
  });

  const lag = createConsumerLagTracker();
  const inspection = createInspection({ names, publisher, lag, current: () => manager.current() });

  function routeFor(queue: QueueName, routingKey: string): Route {
    const topology = names.queues[queue];
    return topology.exchange === '' ? { exchange: '', routingKey: topology.main } : { exchange: topology.exchange, routingKey };
  }

  return {
    async start() {
      if (closed) throw new UnavailableError('RabbitMQ: the broker was closed.');
      await manager.start();
    },

    async publish(queue, body, publishOptions?: PublishOptions) {
      const routingKey = publishOptions?.routingKey ?? defaultRoutingKey(queue, body);
      const message = { content: Buffer.from(JSON.stringify(body)), messageId: randomUUID(), routingKey, deliveryCount: 1 };
      const delayMs = publishOptions?.delayMs ?? 0;
      if (delayMs > 0) {
        await publisher.park(queue, { ...message, deliverAt: Date.now() + delayMs }, delayMs);
        return;
      }
      await publisher.send(routeFor(queue, routingKey), message);
    },

    async consume(queue, handler, consumeOptions) {
      if (closed) throw new UnavailableError('RabbitMQ: the broker was closed.');
      const concurrency = Math.max(1, Math.floor(consumeOptions.concurrency));
      const consumerLog = log.child({ queue });
      const consumer: QueueConsumer = createQueueConsumer({
        queueName: names.queues[queue].main,
        concurrency,
        prefetch: Math.max(concurrency, options.prefetch ?? concurrency),
        process: createMessageProcessor({
          queue,
          handler,
          names,
          publisher,
          logger: consumerLog,
          maxDeliveries: options.maxDeliveries,
          redeliveryBackoffMs: options.redeliveryBackoffMs,
          onTaken: (dueAt) => lag.taken(queue, dueAt),
        }),
        logger: consumerLog,
        stopTimeoutMs: options.stopTimeoutMs,
        requeuePauseMs: REQUEUE_PAUSE_MS,
        onChannelFailed: (reason) => manager.reset(reason),
        onStopped: () => {
          consumers.delete(consumer);
          lag.consumerStopped(queue);
        },
      });
      consumers.add(consumer);
      lag.consumerStarted(queue);
      const connection = latest;
      // While disconnected the consumer waits: the next connection subscribes it.
      if (connection?.open) {
        try {
          await consumer.subscribe(connection);
        } catch (error) {
          log.warn({ err: error, queue }, 'Could not subscribe; retrying on a fresh connection');
          if (connection.open) manager.reset(`subscribing to ${queue} failed`);
        }
      }
      return { isConsuming: () => consumer.isConsuming(), stop: () => consumer.stop() };
    },

    async announce(notice) {
      const message = { content: Buffer.from(JSON.stringify(notice)), messageId: randomUUID(), routingKey: '', deliveryCount: 1 };
      await publisher.send({ exchange: names.exchanges.notices, routingKey: '', broadcast: true }, message);
    },

    async listen(handler) {
      if (closed) throw new UnavailableError('RabbitMQ: the broker was closed.');
      const listener = createNoticeListener({ exchange: names.exchanges.notices, handler, logger: log.child({ component: 'notices' }) });
      listeners.add(listener);
      const connection = latest;
      if (connection?.open) await listener.subscribe(connection);
      return {
        isConsuming: () => listener.isConsuming(),
        async stop() {
          listeners.delete(listener);
          await listener.stop();
        },
      };
    },

    depth(queue) {
      return inspection.depth(queue);
    },

    consumerLag(queue) {
      return inspection.consumerLag(queue);
    },

    async deadLetters<Q extends QueueName>(queue: Q, limit: number) {
      return (await inspection.deadLetters(queue, limit)) as DeadLetter<QueueMessages[Q]>[];
    },

    async ping() {
      return !closed && manager.current() !== undefined && publisher.ready();
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...consumers].map((consumer) => consumer.stop()));
      await Promise.all([...listeners].map((listener) => listener.stop()));
      await publisher.close();
      await manager.close();
    },
  };
}
