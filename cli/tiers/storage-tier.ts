import { QUEUE_NAMES } from '../../queue/messages.js';
import type { HookgateConfig } from '../../shared/config/index.js';
import { startHttpServer } from '../../shared/http/http-server.js';
import type { Logger } from '../../shared/logger.js';
import { HookgateMetrics } from '../../shared/metrics.js';
import { deriveInternalToken } from '../../shared/security/internal-token.js';
import { createStorageServiceApp } from '../../storage/service/index.js';
import { resolveEncryptionKey } from '../bootstrap-secrets.js';
import { connectBroker } from './distributed-parts.js';
import { announcingSubscriptionStore } from '../../storage/subscription-changes.js';
import type { RunningTier } from './running-tier.js';
import { openStorage } from './storage-adapters.js';
import { startStorageConsumers } from './storage-consumers.js';

/**
 * `hookgate storage`: the store (migrated at start), its internal HTTP API on
 * `HOOKGATE_STORAGE_PORT` for the gateway and processor, and the consumer that writes the
 * processor's results into it.
 */
export async function startStorageTier(config: HookgateConfig, logger: Logger): Promise<RunningTier> {
  const encryptionKey = resolveEncryptionKey(config);
  const metrics = new HookgateMetrics('storage');
  const log = logger.child({ tier: 'storage' });
  const storage = openStorage(config, logger);
  await storage.start();
  const broker = await connectBroker(config, log);
  metrics.observeQueueDepth(QUEUE_NAMES, (queue) => broker.depth(queue));
  metrics.observeConsumerLag(QUEUE_NAMES, (queue) => broker.consumerLag(queue));
  // Disabling a failing endpoint is a subscription change the processors must hear of.
  const announcing = { ...storage, subscriptions: announcingSubscriptionStore(storage.subscriptions, broker, log) };
  const results = await startStorageConsumers({ config, broker, storage: announcing, metrics, logger: log });
  const app = createStorageServiceApp({
    storage,
    internalToken: deriveInternalToken(encryptionKey),
    logger: log,
    metrics,
    // Named as the processor names its own: the results consumer is subscribed (not stopped, not between connections).
    readinessChecks: { broker: () => broker.ping(), consumers: async () => results.isConsuming() },
  });
  const server = await startHttpServer(app, config.storagePort, config.host);
  return {
    server,
    async stop() {
      await results.stop();
      await server.close(config.shutdownTimeoutMs);
      await broker.close();
      await storage.close();
    },
  };
}
