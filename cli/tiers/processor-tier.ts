import { createProcessor } from '../../processor/index.js';
import { QUEUE_NAMES } from '../../queue/messages.js';
import type { HookgateConfig } from '../../shared/config/index.js';
import { startHttpServer } from '../../shared/http/http-server.js';
import type { Logger } from '../../shared/logger.js';
import { HookgateMetrics } from '../../shared/metrics.js';
import { SecretBox } from '../../shared/security/secret-box.js';
import { resolveEncryptionKey } from '../bootstrap-secrets.js';
import { connectBroker, operationsApp, storageService } from './distributed-parts.js';
import type { RunningTier } from './running-tier.js';
import { openMergeBuffer } from './storage-adapters.js';

/**
 * `hookgate processor`: consumes events, merges and deliveries from RabbitMQ, reads
 * subscriptions from the storage service (cached), and answers /healthz, /readyz and /metrics
 * on `HOOKGATE_PROCESSOR_PORT`. Run as many replicas as the load needs.
 */
export async function startProcessorTier(config: HookgateConfig, logger: Logger): Promise<RunningTier> {
  const encryptionKey = resolveEncryptionKey(config);
  const metrics = new HookgateMetrics('processor');
  const log = logger.child({ tier: 'processor' });
  const broker = await connectBroker(config, log);
  const storage = storageService(config, encryptionKey);
  const mergeBuffer = openMergeBuffer(config);
  await mergeBuffer.start();
  const processor = createProcessor({
    config,
    broker,
    mergeBuffer,
    subscriptions: storage.subscriptions,
    secretBox: new SecretBox(encryptionKey),
    logger: log,
    metrics,
  });
  await processor.start();
  // Only a process that consumes a queue knows how far behind its consumers are (RabbitMQ).
  metrics.observeConsumerLag(QUEUE_NAMES, (queue) => broker.consumerLag(queue));
  const app = operationsApp({
    metrics,
    logger: log,
    readinessChecks: { broker: () => broker.ping(), storage: () => storage.ping(), consumers: async () => processor.isConsuming() },
  });
  const server = await startHttpServer(app, config.processorPort, config.host);
  return {
    server,
    async stop() {
      await processor.stop();
      await server.close(config.shutdownTimeoutMs);
      await broker.close();
      await mergeBuffer.stop();
      await storage.close();
    },
  };
}
