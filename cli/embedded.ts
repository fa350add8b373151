import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createProcessor, createSqliteMergeBuffer } from '../processor/index.js';
import { createEmbeddedBroker } from '../queue/adapters/embedded/index.js';
import { QUEUE_NAMES } from '../queue/messages.js';
import type { HookgateConfig } from '../shared/config/index.js';
import type { Logger } from '../shared/logger.js';
import { HookgateMetrics } from '../shared/metrics.js';
import { KeyHasher } from '../shared/security/key-hash.js';
import { SecretBox } from '../shared/security/secret-box.js';
import { createSqliteStorage } from '../storage/adapters/sqlite/index.js';
import type { Storage } from '../storage/ports/index.js';
import { announcingSubscriptionStore } from '../storage/subscription-changes.js';
import { resolveAdminCredential, resolveEncryptionKey } from './bootstrap-secrets.js';
import { startGatewayFront } from './tiers/gateway-front.js';
import type { RunningTier } from './tiers/running-tier.js';
import { startStorageConsumers } from './tiers/storage-consumers.js';

/** Stopping it stops taking requests, lets deliveries in hand finish, closes the queue and the store. */
export type EmbeddedPlatform = RunningTier;

/**
 * All four tiers in one process: the gateway and its /v1 API, the processor, the storage
 * results consumer, the embedded durable queue and the SQLite store under the data dir.
 */
export async function startEmbedded(config: HookgateConfig, logger: Logger): Promise<EmbeddedPlatform> {
  mkdirSync(config.dataDir, { recursive: true });
  const encryptionKey = resolveEncryptionKey(config);
  const admin = resolveAdminCredential(config);
  const secretBox = new SecretBox(encryptionKey);
  const metrics = new HookgateMetrics('embedded');

  const sqlite = createSqliteStorage({ file: join(config.dataDir, 'hookgate.sqlite'), logger: logger.child({ tier: 'storage' }) });
  await sqlite.start();
  const broker = createEmbeddedBroker({ file: join(config.dataDir, 'queue.sqlite'), logger: logger.child({ tier: 'queue' }) });
  await broker.start();
  metrics.observeQueueDepth(QUEUE_NAMES, (queue) => broker.depth(queue));
  metrics.observeConsumerLag(QUEUE_NAMES, (queue) => broker.consumerLag(queue));

  const mergeBuffer = createSqliteMergeBuffer({ file: join(config.dataDir, 'merge.sqlite') });
  await mergeBuffer.start();
  const processor = createProcessor({
    config,
    broker,
    mergeBuffer,
    subscriptions: sqlite.subscriptions,
    secretBox,
    logger: logger.child({ tier: 'processor' }),
    metrics,
  });
  // Every subscription write is announced, so the processor's cache sees it at once.
  const storage: Storage = { ...sqlite, subscriptions: announcingSubscriptionStore(sqlite.subscriptions, broker, logger) };
  const results = await startStorageConsumers({ config, broker, storage, metrics, logger: logger.child({ tier: 'storage' }) });
  await processor.start();

  const gateway = await startGatewayFront({
    config,
    storage,
    broker,
    secretBox,
    keyHasher: new KeyHasher(encryptionKey),
    isAdminToken: admin.isAdminToken,
    logger: logger.child({ tier: 'gateway' }),
    metrics,
  });

  return {
    server: gateway.server,
    generatedAdminToken: admin.generatedToken,
    async stop() {
      await gateway.stop();
      await processor.stop();
      await results.stop();
      await broker.close();
      await mergeBuffer.stop();
      await storage.close();
    },
  };
}
