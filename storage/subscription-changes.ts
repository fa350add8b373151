import type { SubscriptionStore } from './ports/index.js';

/** A subscription was created, changed, rotated or deleted. `appId` is absent when the caller did not say (an operator's delete). */
export interface SubscriptionChange {
  subscriptionId: string;
  appId?: string;
}

/**
 * The store, telling `onChange` after every write that succeeded, before the caller answers:
 * what lets a cache in the same process (the processor's, in embedded mode) drop a stale
 * entry at once, so an event published right after a subscription was created reaches it.
 *
 * @example
 * const subscriptions = notifyingSubscriptionStore(storage.subscriptions, (change) => processor.subscriptionChanged(change));
 */
export function notifyingSubscriptionStore(store: SubscriptionStore, onChange: (change: SubscriptionChange) => void): SubscriptionStore {
  return {
    get: (id, scope) => store.get(id, scope),
    list: (scope, page) => store.list(scope, page),
    listEnabled: (appId) => store.listEnabled(appId),
    getSecrets: (id) => store.getSecrets(id),
    recordOutcome: (id, appId, outcome, at) => store.recordOutcome(id, appId, outcome, at),
    async create(subscription, secrets) {
      await store.create(subscription, secrets);
      onChange({ subscriptionId: subscription.id, appId: subscription.appId });
    },
    async update(id, scope, patch, updatedAt) {
      const updated = await store.update(id, scope, patch, updatedAt);
      if (updated !== null) onChange({ subscriptionId: id, appId: updated.appId });
      return updated;
    },
    async delete(id, scope) {
      const deleted = await store.delete(id, scope);
      if (deleted) onChange({ subscriptionId: id, ...(scope !== undefined ? { appId: scope } : {}) });
      return deleted;
    },
    async setSecrets(id, secrets, updatedAt) {
      await store.setSecrets(id, secrets, updatedAt);
      onChange({ subscriptionId: id });
    },
  };
}
