import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { UnrecoverableError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logger.js';
import type { QueueMessages, QueueName } from '../../messages.js';
import type { MessageHandler } from '../../ports/message-broker.js';
import { deliverAtOf, deliveryCountOf, dueAtOf, routingKeyOf, schemaOf, type OutgoingMessage } from './message-headers.js';
import type { Publisher } from './publisher.js';
import type { BrokerNames } from './topology.js';

export interface ProcessorOptions<Q extends QueueName> {
  queue: Q;
  handler: MessageHandler<QueueMessages[Q]>;
  names: BrokerNames;
  publisher: Publisher;
  logger: Logger;
  maxDeliveries: number;
  redeliveryBackoffMs: (deliveryCount: number) => number;
  /** Called with the message's due time (epoch ms) as it is taken for handling, for the consumer lag. */
  onTaken(dueAt: number): void;
}

/** What to tell the broker about a message once it has been processed. */
export type Settlement = 'ack' | 'requeue';

/** Clocks of different processes disagree a little; a message this close to its time is due. */
const EARLY_TOLERANCE_MS = 1_000;
/** Dead-letter reasons travel in a header: keep them short. */
const MAX_REASON_LENGTH = 1_000;

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text;
}

/**
 * Runs the handler on one delivery and does what its outcome asks, before the delivery is
 * settled: a failure is republished (to a wait queue, with the delivery count bumped) or
 * dead-lettered, each confirmed by the broker, and only then is the delivery acked. When the
 * republish fails the delivery is requeued instead, so a message is never acked before
 * another copy of it is safe.
 */
export function createMessageProcessor<Q extends QueueName>(options: ProcessorOptions<Q>): (message: ConsumeMessage) => Promise<Settlement> {
  const { queue, handler, names, publisher, maxDeliveries } = options;
  const topology = names.queues[queue];

  async function republish(log: Logger, what: string, send: () => Promise<void>): Promise<Settlement> {
    try {
      await send();
      return 'ack';
    } catch (error) {
      log.warn({ err: error }, `Could not ${what}; the message goes back to the queue`);
      return 'requeue';
    }
  }

  function deadLetter(log: Logger, message: OutgoingMessage, reason: string): Promise<Settlement> {
    log.warn({ reason }, 'Message dead-lettered');
    const dead = { ...message, dead: { reason, at: new Date().toISOString() } };
    return republish(log, 'dead-letter the message', () => publisher.send({ exchange: '', routingKey: topology.dead }, dead));
  }

  return async function processMessage(delivery: ConsumeMessage): Promise<Settlement> {
    const { properties } = delivery;
    const deliveryCount = deliveryCountOf(properties);
    const id = typeof properties.messageId === 'string' && properties.messageId !== '' ? properties.messageId : randomUUID();
    const log = options.logger.child({ queue, messageId: id, deliveryCount });
    const outgoing: OutgoingMessage = {
      content: delivery.content,
      messageId: id,
      routingKey: routingKeyOf(properties) ?? delivery.fields.routingKey,
      deliveryCount,
      schema: schemaOf(properties),
    };

    const deliverAt = deliverAtOf(properties);
    if (deliverAt !== undefined && deliverAt - Date.now() > EARLY_TOLERANCE_MS) {
      // Only a delay longer than the largest wait bucket arrives early: wait out the rest.
      return republish(log, 'park the early message again', () =>
        publisher.park(queue, { ...outgoing, deliverAt }, deliverAt - Date.now()),
      );
    }

    const now = Date.now();
    options.onTaken(Math.min(dueAtOf(properties) ?? now, now));

    let body: QueueMessages[Q];
    try {
      body = JSON.parse(delivery.content.toString('utf8')) as QueueMessages[Q];
    } catch (error) {
      return deadLetter(log, outgoing, `The message body is not JSON: ${reasonOf(error)}`);
    }
    if (deliveryCount > maxDeliveries) {
      return deadLetter(log, outgoing, `Handed out ${deliveryCount} times without an outcome (crashes or lost connections); maxDeliveries is ${maxDeliveries}.`);
    }

    try {
      await handler({ id, body, deliveryCount });
      return 'ack';
    } catch (error) {
      if (error instanceof UnrecoverableError) return deadLetter(log, outgoing, reasonOf(error));
      if (deliveryCount >= maxDeliveries) {
        return deadLetter(log, outgoing, `Failed ${deliveryCount} deliveries (maxDeliveries ${maxDeliveries}); last: ${reasonOf(error)}`);
      }
      const delayMs = Math.max(0, options.redeliveryBackoffMs(deliveryCount));
      log.info({ err: error, delayMs }, 'Message handler failed; redelivering after a back-off');
      const next: OutgoingMessage = { ...outgoing, deliveryCount: deliveryCount + 1 };
      return republish(log, 'schedule the redelivery', () =>
        delayMs > 0
          ? publisher.park(queue, { ...next, deliverAt: Date.now() + delayMs }, delayMs)
          : publisher.send({ exchange: '', routingKey: topology.main }, next),
      );
    }
  };
}
