import type { HookgateConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { HookgateMetrics } from '../../shared/metrics.js';
import { KeyHasher } from '../../shared/security/key-hash.js';
import { SecretBox } from '../../shared/security/secret-box.js';
import { resolveAdminCredential, resolveEncryptionKey } from '../bootstrap-secrets.js';
import { connectBroker, storageService } from './distributed-parts.js';
import { announcingSubscriptionStore } from '../../storage/subscription-changes.js';
import { startGatewayFront } from './gateway-front.js';
import type { RunningTier } from './running-tier.js';

/**
 * `hookgate gateway`: the routes of `HOOKGATE_CONFIG` and the public `/v1` API on
 * `HOOKGATE_PORT`, storing through the storage service and publishing to RabbitMQ with
 * publisher confirms. Run several replicas; each keeps its own `emit-event` outbox in its data dir.
 */
export async function startGatewayTier(config: HookgateConfig, logger: Logger): Promise<RunningTier> {
  const encryptionKey = resolveEncryptionKey(config);
  const admin = resolveAdminCredential(config);
  const log = logger.child({ tier: 'gateway' });
  const broker = await connectBroker(config, log);
  const remote = storageService(config, encryptionKey);
  const storage = { ...remote, subscriptions: announcingSubscriptionStore(remote.subscriptions, broker, log) };
  const gateway = await startGatewayFront({
    config,
    storage,
    broker,
    secretBox: new SecretBox(encryptionKey),
    keyHasher: new KeyHasher(encryptionKey),
    isAdminToken: admin.isAdminToken,
    logger: log,
    metrics: new HookgateMetrics('gateway'),
  });
  return {
    server: gateway.server,
    async stop() {
      await gateway.stop();
      await broker.close();
      await storage.close();
    },
  };
}
