import type { MessageBroker } from '../queue/ports/message-broker.js';
import type { Logger } from '../shared/logger.js';
import type { SubscriptionStore } from './ports/index.js';

/** A subscription was created, changed, rotated or deleted. `appId` is absent when the caller did not say (an operator's delete). */
export interface SubscriptionChange {
  subscriptionId: string;
  appId?: string;
}

/**
 * The store, telling `onChange` after every write that succeeded, and waiting for it before
 * the caller answers: what lets the processors' caches drop a stale entry at once, so an event
 * published right after a subscription was created reaches it. `onChange` handles its own
 * failures: the write has happened either way.
 *
 * @example
 * const subscriptions = notifyingSubscriptionStore(storage.subscriptions, (change) => announce(broker, change, logger));
 */
export function notifyingSubscriptionStore(store: SubscriptionStore, onChange: (change: SubscriptionChange) => Promise<void>): SubscriptionStore {
  return {
    get: (id, scope) => store.get(id, scope),
    list: (scope, page) => store.list(scope, page),
    listEnabled: (appId) => store.listEnabled(appId),
    getSecrets: (id) => store.getSecrets(id),
    recordOutcome: (id, appId, outcome, at) => store.recordOutcome(id, appId, outcome, at),
    async create(subscription, secrets) {
      await store.create(subscription, secrets);
      await onChange({ subscriptionId: subscription.id, appId: subscription.appId });
    },
    async update(id, scope, patch, updatedAt) {
      const updated = await store.update(id, scope, patch, updatedAt);
      if (updated !== null) await onChange({ subscriptionId: id, appId: updated.appId });
      return updated;
    },
    async delete(id, scope) {
      const deleted = await store.delete(id, scope);
      if (deleted) await onChange({ subscriptionId: id, ...(scope !== undefined ? { appId: scope } : {}) });
      return deleted;
    },
    async setSecrets(id, secrets, updatedAt) {
      await store.setSecrets(id, secrets, updatedAt);
      await onChange({ subscriptionId: id });
    },
  };
}

/**
 * The store of a tier that writes subscriptions (gateway, storage), announcing every change on
 * the broker to all processors. A notice that cannot be sent is logged: the processors then see
 * the change when their cache expires (within a second).
 */
export function announcingSubscriptionStore(store: SubscriptionStore, broker: Pick<MessageBroker, 'announce'>, logger: Logger): SubscriptionStore {
  return notifyingSubscriptionStore(store, async (change) => {
    try {
      await broker.announce({ v: 1, kind: 'subscription.changed', ...change });
    } catch (error) {
      logger.warn({ err: error, subscriptionId: change.subscriptionId }, 'could not announce a subscription change; processors see it within a second');
    }
  });
}
