import { createGatewayApp } from '../../gateway/index.js';
import type { HookgateConfig } from '../../shared/config/index.js';
import { startHttpServer } from '../../shared/http/http-server.js';
import type { Logger } from '../../shared/logger.js';
import { HookgateMetrics } from '../../shared/metrics.js';
import { KeyHasher } from '../../shared/security/key-hash.js';
import { SecretBox } from '../../shared/security/secret-box.js';
import { resolveAdminCredential, resolveEncryptionKey } from '../bootstrap-secrets.js';
import { connectBroker, storageService } from './distributed-parts.js';
import { announcingSubscriptionStore } from '../../storage/subscription-changes.js';
import type { RunningTier } from './running-tier.js';

/**
 * `hookgate gateway`: the public `/v1` API on `HOOKGATE_PORT`, storing through the storage
 * service and publishing to RabbitMQ with publisher confirms. Stateless: run several replicas.
 */
export async function startGatewayTier(config: HookgateConfig, logger: Logger): Promise<RunningTier> {
  const encryptionKey = resolveEncryptionKey(config);
  const admin = resolveAdminCredential(config);
  const log = logger.child({ tier: 'gateway' });
  const broker = await connectBroker(config, log);
  const remote = storageService(config, encryptionKey);
  const storage = { ...remote, subscriptions: announcingSubscriptionStore(remote.subscriptions, broker, log) };
  const app = createGatewayApp({
    config,
    storage,
    broker,
    secretBox: new SecretBox(encryptionKey),
    keyHasher: new KeyHasher(encryptionKey),
    isAdminToken: admin.isAdminToken,
    logger: log,
    metrics: new HookgateMetrics('gateway'),
  });
  const server = await startHttpServer(app, config.port, config.host);
  return {
    server,
    async stop() {
      await server.close(config.shutdownTimeoutMs);
      await broker.close();
      await storage.close();
    },
  };
}
