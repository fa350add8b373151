import type { ApiKeyStore } from './api-key-store.js';
import type { AppStore } from './app-store.js';
import type { DeliveryStore } from './delivery-store.js';
import type { EventStore } from './event-store.js';
import type { SubscriptionStore } from './subscription-store.js';

export type * from './api-key-store.js';
export type * from './app-store.js';
export type * from './delivery-store.js';
export type * from './event-store.js';
export type * from './page.js';
export type * from './subscription-store.js';

/** Every aggregate's port, as one adapter (SQLite, MongoDB) provides them, with its lifecycle. */
export interface Storage {
  readonly apps: AppStore;
  readonly apiKeys: ApiKeyStore;
  readonly subscriptions: SubscriptionStore;
  readonly events: EventStore;
  readonly deliveries: DeliveryStore;
  /** Opens connections and runs pending migrations. */
  start(): Promise<void>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
