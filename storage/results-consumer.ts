import { z } from 'zod';
import { UnrecoverableError } from '../shared/errors/index.js';
import type { Logger } from '../shared/logger.js';
import type { HookgateMetrics } from '../shared/metrics.js';
import { DELIVERY_STATUSES } from '../shared/types.js';
import type { Consumer, MessageBroker } from '../queue/ports/message-broker.js';
import { DISABLE_CAUSES, MESSAGE_SCHEMA_VERSION, type DisableCause, type ResultMessage } from '../queue/messages.js';
import type { Storage } from './ports/index.js';
import { disableVerdict, type DisabledAnnouncer, type EndpointHealthPolicy } from './endpoint-health.js';

const time = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an RFC 3339 time');
/** W3C trace context. Only ever logged: one that cannot be read is dropped, never a reason to refuse the result. */
const traceparent = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
  .optional()
  .catch(undefined);

const deliveryRef = z.object({
  id: z.string().min(1),
  appId: z.string().min(1),
  eventId: z.string().min(1),
  subscriptionId: z.string().min(1),
  createdAt: time,
  mergedEventIds: z.array(z.string().min(1)).min(1).optional(),
});

const resultSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('delivery.scheduled'), delivery: deliveryRef, traceparent }),
  z.object({
    v: z.literal(1),
    kind: z.literal('attempt.recorded'),
    delivery: deliveryRef,
    traceparent,
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
    cause: z.enum(DISABLE_CAUSES).optional(),
    at: time,
    traceparent,
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

/** What applying a result may do besides writing the stores. Each is optional. */
export interface ResultEffects {
  /** Disable failing endpoints and announce it; without, deliveries that ended only fill the stores. */
  endpointHealth?: EndpointHealthRules;
  /** Counts each subscription disabled (`hookgate_subscriptions_disabled_total`), by cause. */
  metrics?: Pick<HookgateMetrics, 'subscriptionsDisabled'>;
  /** Logs what was stored, each line bound to the result's delivery and `traceparent`. */
  logger?: Logger;
}

interface Disabling {
  appId: string;
  subscriptionId: string;
  reason: string;
  cause: DisableCause;
  at: string;
}

/**
 * Disables the subscription, unless it is already disabled or the app changed it after `at`,
 * counts it and announces it. A redelivered result finds it disabled: counted once.
 */
async function disable(storage: Storage, effects: ResultEffects, log: Logger | undefined, target: Disabling): Promise<void> {
  const subscription = await storage.subscriptions.get(target.subscriptionId, target.appId);
  if (subscription === null || !subscription.enabled || Date.parse(subscription.updatedAt) > Date.parse(target.at)) return;
  await storage.subscriptions.update(target.subscriptionId, target.appId, { enabled: false, disabledReason: target.reason }, target.at);
  effects.metrics?.subscriptionsDisabled.inc({ reason: target.cause });
  log?.warn({ subscriptionId: target.subscriptionId, cause: target.cause, reason: target.reason }, 'subscription disabled');
  await effects.endpointHealth?.announce(
    target.appId,
    { subscriptionId: target.subscriptionId, url: subscription.url, reason: target.reason, disabledAt: target.at },
    `subscription-disabled:${target.subscriptionId}:${target.at}`,
  );
}

/** Counts a delivery that ended against its endpoint, and disables the endpoint once the policy says so. */
async function trackEndpoint(storage: Storage, effects: ResultEffects, log: Logger | undefined, result: AttemptRecorded): Promise<void> {
  const rules = effects.endpointHealth;
  const { status } = result.outcome;
  if (rules === undefined || (status !== 'succeeded' && status !== 'dead')) return;
  const { subscriptionId, appId } = result.delivery;
  const health = await storage.subscriptions.recordOutcome(subscriptionId, appId, status, result.attempt.at);
  const verdict = health && status === 'dead' ? disableVerdict(health, rules.policy, Date.parse(result.attempt.at)) : null;
  if (verdict !== null) await disable(storage, effects, log, { appId, subscriptionId, ...verdict, at: result.attempt.at });
}

/** The `traceparent` log field of a result message, read or not: the field the processor's lines carry. */
function traceOf(body: unknown): { traceparent?: string } {
  const value = traceparent.parse((body as { traceparent?: unknown } | null)?.traceparent);
  return value !== undefined ? { traceparent: value } : {};
}

/** The result's own log lines: bound to its delivery and trace, as the processor's lines for that delivery are. */
function loggerFor(logger: Logger | undefined, result: ResultMessage): Logger | undefined {
  if (logger === undefined) return undefined;
  const ids =
    result.kind === 'subscription.disabled'
      ? { subscriptionId: result.subscriptionId }
      : { deliveryId: result.delivery.id, subscriptionId: result.delivery.subscriptionId };
  return logger.child({ result: result.kind, ...ids, ...traceOf(result) });
}

/**
 * Applies one result from the processor to the stores. Every kind is idempotent, so a
 * redelivered message is harmless (the endpoint's run of dead deliveries may count one twice).
 * A `subscription.disabled` older than the subscription's last change is skipped: the app
 * changed it since (re-enabled it, say), and that wins. With `effects.endpointHealth`,
 * deliveries that ended count towards the endpoint's health, and a disabled subscription is
 * announced to its app.
 *
 * @throws UnrecoverableError for an unknown schema version or kind, or a malformed message.
 */
export async function applyResult(storage: Storage, message: ResultMessage, effects: ResultEffects = {}): Promise<void> {
  const result = parseResult(message);
  const log = loggerFor(effects.logger, result);
  switch (result.kind) {
    case 'delivery.scheduled':
      await storage.deliveries.recordScheduled(result.delivery);
      log?.debug('delivery scheduled stored');
      return;
    case 'attempt.recorded':
      await storage.deliveries.recordAttempt(result.delivery, result.attempt, result.outcome);
      log?.debug({ attempt: result.attempt.number, status: result.outcome.status, statusCode: result.attempt.statusCode }, 'attempt stored');
      await trackEndpoint(storage, effects, log, result);
      return;
    case 'subscription.disabled':
      await disable(storage, effects, log, { ...result, cause: result.cause ?? 'gone' });
      return;
  }
}

export interface ResultsConsumerOptions extends Omit<ResultEffects, 'logger'> {
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
  const { broker, storage, logger, concurrency, ...effects } = options;
  return broker.consume(
    'results',
    async function applyResultMessage(message) {
      try {
        await applyResult(storage, message.body, { ...effects, logger });
      } catch (error) {
        const level = error instanceof UnrecoverableError ? 'error' : 'warn';
        logger[level]({ err: error, messageId: message.id, deliveryCount: message.deliveryCount, ...traceOf(message.body) }, 'could not apply a result message');
        throw error;
      }
    },
    { concurrency: concurrency ?? 4 },
  );
}
