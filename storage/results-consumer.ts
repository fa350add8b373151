import { z } from 'zod';
import { UnrecoverableError } from '../shared/errors/index.js';
import type { Logger } from '../shared/logger.js';
import { DELIVERY_STATUSES } from '../shared/types.js';
import type { Consumer, MessageBroker } from '../queue/ports/message-broker.js';
import { MESSAGE_SCHEMA_VERSION, type ResultMessage } from '../queue/messages.js';
import type { Storage } from './ports/index.js';

const time = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an RFC 3339 time');

const deliveryRef = z.object({
  id: z.string().min(1),
  appId: z.string().min(1),
  eventId: z.string().min(1),
  subscriptionId: z.string().min(1),
  createdAt: time,
});

const resultSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('delivery.scheduled'), delivery: deliveryRef }),
  z.object({
    v: z.literal(1),
    kind: z.literal('attempt.recorded'),
    delivery: deliveryRef,
    attempt: z.object({
      id: z.string().min(1),
      deliveryId: z.string().min(1),
      number: z.number().int().positive(),
      at: time,
      statusCode: z.number().int().nullable(),
      durationMs: z.number().nonnegative(),
      error: z.string().nullable(),
      responseBody: z.string().nullable(),
    }),
    outcome: z.object({
      status: z.enum(DELIVERY_STATUSES as [string, ...string[]]),
      nextAttemptAt: time.optional(),
      lastError: z.string().optional(),
    }),
  }),
  z.object({
    v: z.literal(1),
    kind: z.literal('subscription.disabled'),
    appId: z.string().min(1),
    subscriptionId: z.string().min(1),
    reason: z.string(),
    at: time,
  }),
]);

/** Refuses, as unrecoverable, a message this code cannot read: a retry would read it no better. */
function parseResult(body: unknown): ResultMessage {
  const header = (typeof body === 'object' && body !== null ? body : {}) as { v?: unknown; kind?: unknown };
  if (header.v !== MESSAGE_SCHEMA_VERSION) {
    throw new UnrecoverableError(`Result message has schema version ${String(header.v)}; this storage tier reads version ${MESSAGE_SCHEMA_VERSION}.`);
  }
  const parsed = resultSchema.safeParse(body);
  if (!parsed.success) {
    throw new UnrecoverableError(`Result message of kind ${String(header.kind)} is not valid: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data as ResultMessage;
}

/**
 * Applies one result from the processor to the stores. Every kind is idempotent, so a
 * redelivered message is harmless. A `subscription.disabled` older than the subscription's
 * last change is skipped: the app changed it since (re-enabled it, say), and that wins.
 *
 * @throws UnrecoverableError for an unknown schema version or kind, or a malformed message.
 */
export async function applyResult(storage: Storage, message: ResultMessage): Promise<void> {
  const result = parseResult(message);
  switch (result.kind) {
    case 'delivery.scheduled':
      await storage.deliveries.recordScheduled(result.delivery);
      return;
    case 'attempt.recorded':
      await storage.deliveries.recordAttempt(result.delivery, result.attempt, result.outcome);
      return;
    case 'subscription.disabled': {
      const subscription = await storage.subscriptions.get(result.subscriptionId, result.appId);
      if (subscription === null || Date.parse(subscription.updatedAt) > Date.parse(result.at)) return;
      await storage.subscriptions.update(result.subscriptionId, result.appId, { enabled: false, disabledReason: result.reason }, result.at);
      return;
    }
  }
}

export interface ResultsConsumerOptions {
  broker: MessageBroker;
  storage: Storage;
  logger: Logger;
  /** Results applied at the same time; default 4. */
  concurrency?: number;
}

/**
 * Consumes the `results` queue into the stores. A message that cannot be read is
 * dead-lettered at once; a store failure (database busy or down) rejects, so the broker
 * redelivers the message later.
 *
 * @example
 * const results = await startResultsConsumer({ broker, storage, logger: logger.child({ tier: 'storage' }) });
 * // on shutdown:
 * await results.stop();
 */
export function startResultsConsumer(options: ResultsConsumerOptions): Promise<Consumer> {
  const { broker, storage, logger } = options;
  return broker.consume(
    'results',
    async function applyResultMessage(message) {
      try {
        await applyResult(storage, message.body);
      } catch (error) {
        const level = error instanceof UnrecoverableError ? 'error' : 'warn';
        logger[level]({ err: error, messageId: message.id, deliveryCount: message.deliveryCount }, 'could not apply a result message');
        throw error;
      }
    },
    { concurrency: options.concurrency ?? 4 },
  );
}
