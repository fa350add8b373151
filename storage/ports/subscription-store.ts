import type { Subscription } from '../../shared/types.js';
import type { Page, PageRequest, TenantScope } from './page.js';

/** Signing secrets as stored: encrypted with shared/security/secret-box.ts. */
export interface EncryptedSecrets {
  current: string;
  previous?: string;
  previousExpiresAt?: string;
}

export type SubscriptionPatch = Partial<
  Pick<
    Subscription,
    'url' | 'events' | 'filter' | 'merge' | 'transform' | 'rateLimit' | 'headers' | 'description' | 'enabled' | 'disabledReason'
  >
>;

/** How a subscription's endpoint has fared lately: the run of dead deliveries since the last success. */
export interface EndpointHealth {
  consecutiveDead: number;
  /** When the current run of dead deliveries began; absent after a success. */
  failingSince?: string;
}

export interface SubscriptionStore {
  create(subscription: Subscription, secrets: EncryptedSecrets): Promise<void>;
  get(id: string, scope: TenantScope): Promise<Subscription | null>;
  list(scope: TenantScope, page: PageRequest): Promise<Page<Subscription>>;
  /** Every enabled subscription of the app: what the processor matches events against. */
  listEnabled(appId: string): Promise<Subscription[]>;
  /**
   * Applies the patch (a key set to `undefined` clears that optional field) and bumps
   * `updatedAt`. Returns the updated subscription, or null when absent or out of scope.
   */
  update(id: string, scope: TenantScope, patch: SubscriptionPatch, updatedAt: string): Promise<Subscription | null>;
  delete(id: string, scope: TenantScope): Promise<boolean>;
  /**
   * Counts a delivery that ended (`succeeded` resets the run, `dead` extends it) without
   * touching `updatedAt`. Returns the health after it, or null when the subscription is gone.
   */
  recordOutcome(id: string, appId: string, outcome: 'succeeded' | 'dead', at: string): Promise<EndpointHealth | null>;
  getSecrets(id: string): Promise<EncryptedSecrets | null>;
  setSecrets(id: string, secrets: EncryptedSecrets, updatedAt: string): Promise<void>;
}
