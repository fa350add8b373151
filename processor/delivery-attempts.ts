import { LRUCache } from 'lru-cache';
import { UnrecoverableError } from '../shared/errors/index.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { HookgateMetrics } from '../shared/metrics.js';
import type { SecretBox } from '../shared/security/secret-box.js';
import type { Attempt, DeliveryStatus, EventEnvelope, Subscription } from '../shared/types.js';
import { MESSAGE_SCHEMA_VERSION, type DeliveryMessage, type DeliveryRef } from '../queue/messages.js';
import type { MessageBroker, MessageHandler } from '../queue/ports/message-broker.js';
import { TransformError } from '../shared/webhooks/payload-transform.js';
import type { SubscriptionReader } from './subscription-cache.js';
import type { SubscriptionPacer } from './subscription-pacer.js';
import type { SubscriptionRules } from './subscription-rules.js';
import { mergedOf } from './schedule-delivery.js';
import { parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry-policy.js';
import type { WebhookResponse, WebhookSender } from './sender/webhook-sender.js';
import { activeSigningSecrets, buildWebhookRequest } from './webhook-request.js';

export interface DeliveryAttemptsOptions {
  broker: MessageBroker;
  subscriptions: Pick<SubscriptionReader, 'get' | 'getSecrets'>;
  rules: SubscriptionRules;
  pacer: SubscriptionPacer;
  secretBox: SecretBox;
  sender: WebhookSender;
  retry: RetryPolicy;
  userAgent: string;
  logger: Logger;
  metrics: HookgateMetrics;
}

/**
 * Bodies a transform made, kept until sent: a delivery the pacer sends back to the queue comes
 * back (to this processor, usually within seconds) and is sent as made instead of being
 * transformed again. Bounded in bytes and age; a body not found is made again.
 */
const TRANSFORMED_BODIES_MAX_BYTES = 16 * 1024 * 1024;
const TRANSFORMED_BODY_TTL_MS = 60_000;

/** Receivers that ask to be left alone for a while say so with Retry-After on these. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);
const GONE = 410;

interface Verdict {
  status: DeliveryStatus;
  /** Set when another attempt is to be made. */
  retryInMs?: number;
  lastError?: string;
  /** The receiver said 410 Gone: stop sending to this subscription. */
  gone?: boolean;
}

function errorOf(response: WebhookResponse): string | undefined {
  if (response.statusCode === null) return response.error ?? 'no response';
  if (response.statusCode >= 200 && response.statusCode < 300) return undefined;
  return `HTTP ${response.statusCode}`;
}

/** The attempt as recorded before its outcome is known. */
function attemptOf(message: DeliveryMessage, at: number): Attempt {
  return {
    id: newId('attempt'),
    deliveryId: message.deliveryId,
    number: message.attempt,
    at: new Date(at).toISOString(),
    statusCode: null,
    durationMs: 0,
    error: null,
    responseBody: null,
  };
}

/** The delivery's trace context, for the results it leads to. */
function traceOf(message: DeliveryMessage): { traceparent?: string } {
  return message.traceparent !== undefined ? { traceparent: message.traceparent } : {};
}

function judge(response: WebhookResponse, attempt: number, policy: RetryPolicy): Verdict {
  const lastError = errorOf(response);
  if (lastError === undefined) return { status: 'succeeded' };
  if (response.statusCode === GONE) return { status: 'dead', lastError: `${lastError}: the receiver is gone`, gone: true };
  const retryAfterMs = RETRY_AFTER_STATUSES.has(response.statusCode ?? 0) ? parseRetryAfter(response.retryAfter, Date.now()) : undefined;
  const retryInMs = retryDelayMs(policy, attempt, retryAfterMs);
  return retryInMs === null ? { status: 'dead', lastError } : { status: 'failed', retryInMs, lastError };
}

/**
 * Makes one delivery attempt per message: signs and POSTs the envelope, publishes the
 * attempt's result for storage, and then either queues the next attempt after the retry
 * schedule's delay (same delivery id, so the same webhook-id), or ends the delivery as
 * succeeded or dead. A 410 Gone also disables the subscription. The result is published
 * before the next attempt, so a crash in between repeats this attempt rather than forking
 * two retry chains. The body is the envelope, or the subscription's transform of it. A
 * delivery whose subscription was deleted is dropped; one whose subscription is disabled, or
 * whose transform fails on this event, ends dead without a request, the reason recorded. The
 * pacer may hold an attempt back (rate limit, or its endpoint's lane full): it then goes back
 * to the queue for later, unsent and unrecorded.
 */
export function createDeliveryAttempts(options: DeliveryAttemptsOptions): MessageHandler<DeliveryMessage> {
  const { broker, subscriptions, rules, secretBox, sender, pacer, metrics } = options;
  const transformedBodies = new LRUCache<string, string>({
    maxSize: TRANSFORMED_BODIES_MAX_BYTES,
    sizeCalculation: (body) => Math.max(1, body.length),
    ttl: TRANSFORMED_BODY_TTL_MS,
  });

  /** This attempt of this delivery, under this version of its subscription (and so of its transform). */
  function bodyKey(message: DeliveryMessage, subscription: Subscription): string {
    return `${message.deliveryId} ${message.attempt} ${subscription.updatedAt}`;
  }

  /** The body to send: the envelope, or what the subscription's transform (run in the transform pool) makes of it. */
  async function bodyOf(subscription: Subscription, message: DeliveryMessage): Promise<string> {
    const transform = rules.for(subscription).transform;
    if (transform === undefined) return JSON.stringify(message.envelope);
    const key = bodyKey(message, subscription);
    let body = transformedBodies.get(key);
    if (body === undefined) {
      body = await transform(message.envelope);
      transformedBodies.set(key, body);
    }
    return body;
  }

  async function publishResult(message: DeliveryMessage, ref: DeliveryRef, attempt: Attempt, verdict: Verdict, now: number): Promise<void> {
    await broker.publish('results', {
      v: 1,
      kind: 'attempt.recorded',
      delivery: ref,
      attempt,
      outcome: {
        status: verdict.status,
        ...(verdict.retryInMs !== undefined ? { nextAttemptAt: new Date(now + verdict.retryInMs).toISOString() } : {}),
        ...(verdict.lastError !== undefined ? { lastError: verdict.lastError } : {}),
      },
      ...traceOf(message),
    });
  }

  /** The storage tier disables it, and counts it in `hookgate_subscriptions_disabled_total` once it has. */
  function publishDisabled(message: DeliveryMessage, attemptAt: string, at: number): Promise<void> {
    return broker.publish('results', {
      v: 1,
      kind: 'subscription.disabled',
      appId: message.appId,
      subscriptionId: message.subscriptionId,
      reason: `The endpoint answered 410 Gone at ${attemptAt}.`,
      cause: 'gone',
      at: new Date(at).toISOString(),
      ...traceOf(message),
    });
  }

  /** Signs and sends the body, then records the attempt and what follows it. Resolves with the attempt's duration. */
  async function sendAndSettle(message: DeliveryMessage, subscription: Subscription, body: string, ref: DeliveryRef, log: Logger): Promise<number> {
    const sealed = await subscriptions.getSecrets(subscription.id);
    if (sealed === null) {
      log.info('subscription deleted; delivery dropped');
      return 0;
    }
    const at = Date.now();
    const request = buildWebhookRequest({
      deliveryId: message.deliveryId,
      subscription,
      secrets: activeSigningSecrets(sealed, secretBox, at),
      body,
      userAgent: options.userAgent,
      now: at,
      ...traceOf(message),
    });
    metrics.deliveryAttemptsInFlight.inc();
    const response = await sender.send(request).finally(() => metrics.deliveryAttemptsInFlight.dec());
    const verdict = judge(response, message.attempt, options.retry);
    const recorded: Attempt = {
      ...attemptOf(message, at),
      statusCode: response.statusCode,
      durationMs: response.durationMs,
      error: verdict.lastError ?? response.error,
      responseBody: response.responseBody,
    };
    const settledAt = Date.now();
    await publishResult(message, ref, recorded, verdict, settledAt);
    if (verdict.gone) await publishDisabled(message, recorded.at, settledAt);
    if (verdict.retryInMs !== undefined) {
      const { pacedFor: _reservationUsed, ...next } = message;
      await broker.publish('deliveries', { ...next, attempt: message.attempt + 1 }, { delayMs: verdict.retryInMs });
      metrics.retriesScheduled.inc();
    }

    metrics.deliveries.inc({ outcome: verdict.status });
    metrics.attemptDuration.observe({ outcome: verdict.status }, response.durationMs / 1000);
    if (verdict.status === 'succeeded') {
      metrics.publishToDeliveryLatency.observe((settledAt - Date.parse(message.eventReceivedAt)) / 1000);
    }
    log.debug({ statusCode: response.statusCode, status: verdict.status, durationMs: response.durationMs }, 'delivery attempted');
    return response.durationMs;
  }

  return async function attemptDelivery({ body: message }) {
    if (message.v !== MESSAGE_SCHEMA_VERSION) {
      throw new UnrecoverableError(`Delivery message has schema version ${String(message.v)}; this processor reads ${MESSAGE_SCHEMA_VERSION}.`);
    }
    const log = options.logger.child({
      deliveryId: message.deliveryId,
      subscriptionId: message.subscriptionId,
      attempt: message.attempt,
      ...traceOf(message),
    });
    const ref: DeliveryRef = {
      id: message.deliveryId,
      appId: message.appId,
      eventId: message.envelope.id,
      subscriptionId: message.subscriptionId,
      createdAt: message.createdAt,
      ...mergedOf(message.envelope),
    };
    const subscription = await subscriptions.get(message.subscriptionId, message.appId);
    if (subscription === null) {
      log.info('subscription deleted; delivery dropped');
      return;
    }
    const giveUp = async (reason: string) => {
      const at = Date.now();
      await publishResult(message, ref, { ...attemptOf(message, at), error: reason }, { status: 'dead', lastError: reason }, at);
      metrics.deliveries.inc({ outcome: 'dead' });
    };
    if (!subscription.enabled) {
      return giveUp(`Not sent: subscription ${subscription.id} is disabled${subscription.disabledReason ? ` (${subscription.disabledReason})` : ''}.`);
    }
    let body: string;
    try {
      body = await bodyOf(subscription, message);
    } catch (error) {
      // The same expression fails the same way on the same event: retrying cannot help.
      if (error instanceof TransformError) return giveUp(`Not sent: ${error.message}`);
      throw error;
    }

    const reserved = message.pacedFor !== undefined ? Date.parse(message.pacedFor) : undefined;
    const admission = await pacer.admit(subscription.id, subscription.rateLimit?.perSecond, reserved);
    if (!admission.go) {
      const { pacedFor: _previous, ...unpaced } = message;
      const paced = admission.rateSlot !== undefined ? { ...unpaced, pacedFor: new Date(admission.rateSlot).toISOString() } : unpaced;
      await broker.publish('deliveries', paced, { delayMs: admission.delayMs });
      return;
    }
    let durationMs = 0;
    try {
      durationMs = await sendAndSettle(message, subscription, body, ref, log);
    } finally {
      admission.done(durationMs);
      transformedBodies.delete(bodyKey(message, subscription));
    }
  };
}
