import { createEventPublisher } from '../../gateway/services/index.js';
import type { Consumer, MessageBroker } from '../../queue/ports/message-broker.js';
import type { HookgateConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import type { HookgateMetrics } from '../../shared/metrics.js';
import { SUBSCRIPTION_DISABLED_EVENT } from '../../shared/webhooks/platform-events.js';
import type { Storage } from '../../storage/ports/index.js';
import { startResultsConsumer } from '../../storage/results-consumer.js';

/**
 * The storage tier's consumer of the `results` queue, with endpoint health: a subscription the
 * policy disables (or a 410 Gone disables) is counted in `hookgate_subscriptions_disabled_total`
 * and announced to its app as a `hookgate.subscription.disabled` event.
 */
export function startStorageConsumers(options: {
  config: HookgateConfig;
  broker: MessageBroker;
  storage: Storage;
  metrics: HookgateMetrics;
  logger: Logger;
}): Promise<Consumer> {
  const { config, broker, storage } = options;
  const platformEvents = createEventPublisher({ events: storage.events, broker, metrics: options.metrics, idempotencyWindowMs: config.idempotencyWindowMs });
  return startResultsConsumer({
    broker,
    storage,
    logger: options.logger,
    metrics: options.metrics,
    endpointHealth: {
      policy: config.endpointHealth,
      async announce(appId, data, idempotencyKey) {
        await platformEvents.publish({ appId, type: SUBSCRIPTION_DISABLED_EVENT, data, idempotencyKey });
      },
    },
  });
}
