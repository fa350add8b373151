import type { HookgateConfig } from '../../shared/config/index.js';
import type { KeyHasher } from '../../shared/security/key-hash.js';
import type { Storage } from '../../storage/ports/index.js';
import type { DeliveryRetrier, EventPublisher, SubscriptionReplayer, SubscriptionSecrets } from '../services/index.js';
import type { TenantResolver } from './tenant.js';

/** What the /v1 route factories are built from. */
export interface V1Dependencies {
  config: HookgateConfig;
  storage: Storage;
  keyHasher: KeyHasher;
  tenants: TenantResolver;
  publisher: EventPublisher;
  retrier: DeliveryRetrier;
  replayer: SubscriptionReplayer;
  secrets: SubscriptionSecrets;
}
