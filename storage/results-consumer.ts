import { z } from 'zod';
import { UnrecoverableError } from '../shared/errors/index.js';
import type { Logger } from '../shared/logger.js';
import { DELIVERY_STATUSES } from '../shared/types.js';
import type { Consumer, MessageBroker } from '../queue/ports/message-broker.js';
import { MESSAGE_SCHEMA_VERSION, type ResultMessage } from '../queue/messages.js';
import type { Storage } from './ports/index.js';
import { disableReason, type DisabledAnnouncer, type EndpointHealthPolicy } from './endpoint-health.js';

const time = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an RFC 3339 time');

const deliveryRef = z.object({
  id: z.string().min(1),
  appId: z.string().min(1),
  eventId: z.string().min(1),
  subscriptionId: z.string().min(1),
  createdAt: time,
  mergedEventIds: z.array(z.string().min(1)).min(1).optional(),
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

type AttemptRecorded = Extract<ResultMessage, { kind: 'attempt.recorded' }>;

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

/** What a result may lead to beyond the stores: disabling a failing endpoint, and telling its app. */
export interface EndpointHealthRules {
  policy: EndpointHealthPolicy;
  announce: DisabledAnnouncer;
}

/** Disables the subscription, unless it is already disabled or the app changed it after `at`, and announces it. */
async function disable(storage: Storage, rules: EndpointHealthRules | undefined, target: { appId: string; subscriptionId: string; reason: string; at: string }): Promise<void> {
  const subscription = await storage.subscriptions.get(target.subscriptionId, target.appId);
  if (subscription === null || !subscription.enabled || Date.parse(subscription.updatedAt) > Date.parse(target.at)) return;
  await storage.subscriptions.update(target.subscriptionId, target.appId, { enabled: false, disabledReason: target.reason }, target.at);
  await rules?.announce(
    target.appId,
    { subscriptionId: target.subscriptionId, url: subscription.url, reason: target.reason, disabledAt: target.at },
    `subscription-disabled:${target.subscriptionId}:${target.at}`,
  );
}

/** Counts a delivery that ended against its endpoint, and disables the endpoint once the policy says so. */
async function trackEndpoint(storage: Storage, rules: EndpointHealthRules | undefined, result: AttemptRecorded): Promise<void> {
  const { status } = result.outcome;
  if (rules === undefined || (status !== 'succeeded' && status !== 'dead')) return;
  const { subscriptionId, appId } = result.delivery;
  const health = await storage.subscriptions.recordOutcome(subscriptionId, appId, status, result.attempt.at);
  const reason = health && status === 'dead' ? disableReason(health, rules.policy, Date.parse(result.attempt.at)) : null;
  if (reason !== null) await disable(storage, rules, { appId, subscriptionId, reason, at: result.attempt.at });
}

/**
 * Applies one result from the processor to the stores. Every kind is idempotent, so a
 * redelivered message is harmless (the endpoint's run of dead deliveries may count one twice).
 * A `subscription.disabled` older than the subscription's last change is skipped: the app
 * changed it since (re-enabled it, say), and that wins. With `rules`, deliveries that ended
 * count towards the endpoint's health, and a disabled subscription is announced to its app.
 *
 * @throws UnrecoverableError for an unknown schema version or kind, or a malformed message.
 */
export async function applyResult(storage: Storage, message: ResultMessage, rules?: EndpointHealthRules): Promise<void> {
  const result = parseResult(message);
  switch (result.kind) {
    case 'delivery.scheduled':
      await storage.deliveries.recordScheduled(result.delivery);
      return;
    case 'attempt.recorded':
      await storage.deliveries.recordAttempt(result.delivery, result.attempt, result.outcome);
      await trackEndpoint(storage, rules, result);
      return;
    case 'subscription.disabled':
      await disable(storage, rules, result);
      return;
  }
}

export interface ResultsConsumerOptions {
  broker: MessageBroker;
  storage: Storage;
  logger: Logger;
  /** Results applied at the same time; default 4. */
  concurrency?: number;
  /** Disable failing endpoints and announce it; without, results only fill the stores. */
  endpointHealth?: EndpointHealthRules;
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
        await applyResult(storage, message.body, options.endpointHealth);
      } catch (error) {
        const level = error instanceof UnrecoverableError ? 'error' : 'warn';
        logger[level]({ err: error, messageId: message.id, deliveryCount: message.deliveryCount }, 'could not apply a result message');
        throw error;
      }
    },
    { concurrency: options.concurrency ?? 4 },
  );
}
