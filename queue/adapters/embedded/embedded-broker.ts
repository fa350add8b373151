import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logger.js';
import type { QueueMessages, QueueName, SubscriptionChangedNotice } from '../../messages.js';
import type { DeadLetter, MessageBroker, MessageHandler } from '../../ports/message-broker.js';
import { EmbeddedConsumer } from './embedded-consumer.js';
import { QueueFile } from './queue-file.js';

export interface EmbeddedBrokerOptions {
  /** The queue's SQLite file (e.g. `<data dir>/queue.sqlite`); created when missing. */
  file: string;
  logger: Logger;
  /** A message whose handler failed this many times is dead-lettered. Default 10. */
  maxDeliveries?: number;
  /** Delay before redelivering a message whose `deliveryCount`-th delivery failed. Default 1 s doubling, capped at 60 s. */
  redeliveryBackoffMs?: (deliveryCount: number) => number;
  /** How long `close()` and `Consumer.stop()` wait for handlers in hand. Default 20 s. */
  stopTimeoutMs?: number;
}

/**
 * The embedded message broker: the broker port on one SQLite file, for the single-process
 * default. A publish resolves once the message is committed to the file, so an acknowledged
 * message survives `kill -9`; a message handed to a handler stays in the file until the
 * handler resolves, so a crash mid-handler redelivers it on the next start. Routing keys are
 * not used: each queue has one set of consumers, as in the RabbitMQ adapter's topology.
 *
 * @example
 * const broker = createEmbeddedBroker({ file: join(dataDir, 'queue.sqlite'), logger });
 * await broker.start();
 * await broker.publish('deliveries', message, { delayMs: 5_000 });
 */
export function createEmbeddedBroker(options: EmbeddedBrokerOptions): MessageBroker {
  const file = new QueueFile(options.file);
  const log = options.logger.child({ component: 'embedded-broker' });
  const consumers = new Map<EmbeddedConsumer, QueueName>();
  // One process: a notice reaches its listeners directly.
  const listeners = new Set<(notice: SubscriptionChangedNotice) => void>();
  const maxDeliveries = Math.max(1, options.maxDeliveries ?? 10);
  const redeliveryBackoffMs = options.redeliveryBackoffMs ?? ((count: number) => Math.min(1_000 * 2 ** (count - 1), 60_000));
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  let closed = false;

  function assertOpen(): void {
    if (closed || !file.isOpen) throw new UnavailableError('The embedded queue is not running.');
  }

  function wakeConsumersOf(queue: QueueName): void {
    for (const [consumer, consumed] of consumers) if (consumed === queue) consumer.wake();
  }

  return {
    async start() {
      if (closed) throw new UnavailableError('The embedded queue was closed.');
      file.open();
      log.debug({ file: options.file }, 'embedded queue ready');
    },

    async publish(queue, body, publishOptions) {
      assertOpen();
      file.insert(queue, randomUUID(), JSON.stringify(body), Date.now() + Math.max(0, publishOptions?.delayMs ?? 0));
      wakeConsumersOf(queue);
    },

    async consume<Q extends QueueName>(queue: Q, handler: MessageHandler<QueueMessages[Q]>, consumeOptions: { concurrency: number }) {
      assertOpen();
      const consumer = new EmbeddedConsumer({
        queue,
        file,
        handler: handler as MessageHandler<unknown>,
        concurrency: Math.max(1, Math.floor(consumeOptions.concurrency)),
        maxDeliveries,
        redeliveryBackoffMs,
        stopTimeoutMs,
        logger: log.child({ queue }),
      });
      consumers.set(consumer, queue);
      consumer.wake();
      return {
        isConsuming: () => consumer.isConsuming(),
        async stop() {
          await consumer.stop();
          consumers.delete(consumer);
        },
      };
    },

    async announce(notice) {
      assertOpen();
      for (const listener of listeners) listener(notice);
    },

    async listen(handler) {
      assertOpen();
      listeners.add(handler);
      return {
        isConsuming: () => listeners.has(handler),
        async stop() {
          listeners.delete(handler);
        },
      };
    },

    async depth(queue) {
      assertOpen();
      return file.depth(queue);
    },

    async consumerLag(queue) {
      assertOpen();
      // A message becomes due at its `available_at` (publish, delay or redelivery back-off): exact.
      const now = Date.now();
      const dueAt = file.oldestDueAt(queue, now);
      return dueAt === undefined ? 0 : (now - dueAt) / 1000;
    },

    async deadLetters<Q extends QueueName>(queue: Q, limit: number): Promise<DeadLetter<QueueMessages[Q]>[]> {
      assertOpen();
      return file.deadLetters(queue, limit).map((row) => ({
        id: row.id,
        body: JSON.parse(row.body) as QueueMessages[Q],
        reason: row.reason,
        deadAt: row.dead_at,
      }));
    },

    async ping() {
      return !closed && file.isOpen;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...consumers.keys()].map((consumer) => consumer.stop()));
      consumers.clear();
      listeners.clear();
      file.close();
    },
  };
}
