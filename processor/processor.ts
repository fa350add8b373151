import type { HookgateConfig } from '../shared/config/index.js';
import type { Logger } from '../shared/logger.js';
import type { HookgateMetrics } from '../shared/metrics.js';
import { packageVersion } from '../shared/package-version.js';
import type { SecretBox } from '../shared/security/secret-box.js';
import { createTransformPool } from '../shared/webhooks/transform-pool.js';
import type { Consumer, MessageBroker } from '../queue/ports/message-broker.js';
import type { SubscriptionStore } from '../storage/ports/index.js';
import { createDeliveryAttempts } from './delivery-attempts.js';
import { createFanOut } from './fan-out.js';
import { createMergeFlush } from './merge-flush.js';
import type { MergeBuffer } from './ports/merge-buffer.js';
import type { RateSlots } from './ports/rate-slots.js';
import { createSubscriptionCache } from './subscription-cache.js';
import { SubscriptionPacer } from './subscription-pacer.js';
import { SubscriptionRules } from './subscription-rules.js';
import { createUndiciSender } from './sender/undici-sender.js';
import type { WebhookSender } from './sender/webhook-sender.js';

export interface ProcessorOptions {
  config: HookgateConfig;
  broker: MessageBroker;
  subscriptions: SubscriptionStore;
  secretBox: SecretBox;
  logger: Logger;
  metrics: HookgateMetrics;
  /** Where events wait in merge windows; started and stopped by the caller. */
  mergeBuffer: MergeBuffer;
  /** How webhooks leave; default: undici with the configured time-outs and address guard. */
  sender?: WebhookSender;
  /** Where `rateLimit.perSecond` start slots are reserved; default: in this process only. */
  rateSlots?: RateSlots;
}

export interface Processor {
  /** Listens for subscription changes, and starts consuming events (fan-out), merges and deliveries (attempts). */
  start(): Promise<void>;
  /**
   * True while every one of its consumers (events, deliveries, merges, and the subscription
   * change listener) is subscribed: false before `start()`, after `stop()` and, on RabbitMQ,
   * while a lost connection or channel has not been replaced yet. For readiness checks.
   */
  isConsuming(): boolean;
  /** Stops taking messages, lets attempts in hand finish, closes connections. */
  stop(): Promise<void>;
}

/** Events fanned out at the same time; fan-out is quick, attempts are what wait on the network. */
const FAN_OUT_CONCURRENCY = 8;
const MERGE_FLUSH_CONCURRENCY = 4;

/**
 * The processor tier: consumes the `events` queue into deliveries (or merge windows), the
 * `merges` queue into merged deliveries, and the `deliveries` queue into signed webhook
 * attempts, publishing every result to the `results` queue.
 *
 * @example
 * const processor = createProcessor({ config, broker, subscriptions: storage.subscriptions, secretBox, logger, metrics });
 * await processor.start();
 */
export function createProcessor(options: ProcessorOptions): Processor {
  const { config, broker, logger } = options;
  const sender =
    options.sender ??
    createUndiciSender({
      connectTimeoutMs: config.delivery.connectTimeoutMs,
      timeoutMs: config.delivery.timeoutMs,
      maxResponseBytes: config.delivery.maxResponseBytes,
      allowPrivate: config.allowPrivateUrls,
    });
  const subscriptions = createSubscriptionCache(options.subscriptions);
  // Tenants' transforms run in worker processes under a deadline and a heap cap, never on this thread.
  const transforms = createTransformPool({ ...config.transform, logger: logger.child({ component: 'transform' }) });
  const rules = new SubscriptionRules({ transforms });
  const pacer = new SubscriptionPacer({ maxInFlightPerSubscription: config.delivery.concurrencyPerSubscription, rateSlots: options.rateSlots });
  const fanOut = createFanOut({
    broker,
    subscriptions,
    rules,
    mergeBuffer: options.mergeBuffer,
    maxMergedEvents: config.maxMergedEvents,
    logger: logger.child({ component: 'fan-out' }),
  });
  const mergeFlush = createMergeFlush({ broker, buffer: options.mergeBuffer, logger: logger.child({ component: 'merge' }) });
  const attempts = createDeliveryAttempts({
    broker,
    subscriptions,
    rules,
    pacer,
    secretBox: options.secretBox,
    sender,
    retry: { scheduleMs: config.delivery.retryScheduleMs, jitter: config.delivery.retryJitter },
    userAgent: `hookgate/${packageVersion()}`,
    logger: logger.child({ component: 'delivery' }),
    metrics: options.metrics,
  });
  let consumers: Consumer[] = [];

  return {
    async start() {
      await transforms.start();
      // Listening first, so no change announced while the consumers start is missed.
      consumers = [
        await broker.listen((notice) => subscriptions.invalidate(notice)),
        await broker.consume('events', fanOut, { concurrency: FAN_OUT_CONCURRENCY }),
        await broker.consume('deliveries', attempts, { concurrency: config.delivery.concurrency }),
        await broker.consume('merges', mergeFlush, { concurrency: MERGE_FLUSH_CONCURRENCY }),
      ];
    },
    isConsuming() {
      // Started is not enough: a consumer whose channel dropped stays "running" until it resubscribes.
      return consumers.length > 0 && consumers.every((consumer) => consumer.isConsuming());
    },
    async stop() {
      const running = consumers;
      consumers = [];
      await Promise.all(running.map((consumer) => consumer.stop()));
      await Promise.all([sender.close(), transforms.close()]);
    },
  };
}
