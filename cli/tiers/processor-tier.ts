import { createLocalRateSlots, createProcessor, createRedisRateSlots, type RateSlots } from '../../processor/index.js';
import { QUEUE_NAMES } from '../../queue/messages.js';
import type { HookgateConfig } from '../../shared/config/index.js';
import { startHttpServer } from '../../shared/http/http-server.js';
import type { Logger } from '../../shared/logger.js';
import { HookgateMetrics } from '../../shared/metrics.js';
import { createRedisConnection, type RedisConnection } from '../../shared/redis/redis-connection.js';
import { SecretBox } from '../../shared/security/secret-box.js';
import { resolveEncryptionKey } from '../bootstrap-secrets.js';
import { connectBroker, operationsApp, storageService } from './distributed-parts.js';
import type { RunningTier } from './running-tier.js';
import { openMergeBuffer } from './storage-adapters.js';

/**
 * `hookgate processor`: consumes events, merges and deliveries from RabbitMQ, reads
 * subscriptions from the storage service (cached), and answers /healthz, /readyz and /metrics
 * on `HOOKGATE_PROCESSOR_PORT`. Run as many replicas as the load needs: with
 * `HOOKGATE_REDIS_URL` they share each subscription's `rateLimit.perSecond`; without it each
 * paces on its own, so the limit multiplies with the replicas (said once in the start-up log).
 */
export async function startProcessorTier(config: HookgateConfig, logger: Logger): Promise<RunningTier> {
  const encryptionKey = resolveEncryptionKey(config);
  const metrics = new HookgateMetrics('processor');
  const log = logger.child({ tier: 'processor' });
  const broker = await connectBroker(config, log);
  const storage = storageService(config, encryptionKey);
  const mergeBuffer = openMergeBuffer(config);
  await mergeBuffer.start();
  const { rateSlots, redis } = rateSlotsFor(config, log);
  const processor = createProcessor({
    config,
    broker,
    mergeBuffer,
    subscriptions: storage.subscriptions,
    secretBox: new SecretBox(encryptionKey),
    logger: log,
    metrics,
    rateSlots,
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
      await redis?.close();
    },
  };
}

/** The shared reservation book when Redis is configured, else this process's own, with the warning that goes with it. */
function rateSlotsFor(config: HookgateConfig, logger: Logger): { rateSlots: RateSlots; redis?: RedisConnection } {
  const local = createLocalRateSlots();
  if (config.redisUrl === undefined) {
    logger.warn(
      'HOOKGATE_REDIS_URL is not set: each processor paces rateLimit.perSecond on its own, so a subscription may receive up to (processor replicas) x its rate',
    );
    return { rateSlots: local };
  }
  const redis = createRedisConnection({ url: config.redisUrl, logger: logger.child({ component: 'redis' }) });
  const rateSlots = createRedisRateSlots({ redis: redis.commands, keyPrefix: config.amqpPrefix, fallback: local, logger: logger.child({ component: 'pacer' }) });
  return { rateSlots, redis };
}
