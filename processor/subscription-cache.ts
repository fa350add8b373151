import { LRUCache } from 'lru-cache';
import type { Subscription } from '../shared/types.js';
import type { EncryptedSecrets, SubscriptionStore } from '../storage/ports/index.js';
import type { SubscriptionChange } from '../storage/subscription-changes.js';

/** The reads the processor makes of subscriptions, per event and per attempt. */
export type SubscriptionReader = Pick<SubscriptionStore, 'get' | 'listEnabled' | 'getSecrets'>;

export interface SubscriptionCache extends SubscriptionReader {
  /** Forgets what is cached of this subscription (and of its app's list; of every app's when the app is unknown). */
  invalidate(change: SubscriptionChange): void;
}

export interface SubscriptionCacheOptions {
  /** How stale a read may be: a change in storage is seen within this long. Default 1 s. */
  maxAgeMs?: number;
  /** Entries kept per kind of read. Default 10,000. */
  maxEntries?: number;
}

/** lru-cache stores no undefined or null: absent records are kept as this marker. */
const ABSENT = Symbol('absent');
type Cached<T> = T | typeof ABSENT;

/** A failure of the storage read itself, told apart from the cache dropping a read in flight. */
class ReadFailed extends Error {}

function cacheOf<V extends object>(options: Required<SubscriptionCacheOptions>, load: (key: string) => Promise<V | null>) {
  return new LRUCache<string, Cached<V> & object, unknown>({
    max: options.maxEntries,
    ttl: options.maxAgeMs,
    // Concurrent misses for one key share one storage read.
    fetchMethod: async (key) => {
      try {
        return ((await load(key)) ?? ABSENT) as Cached<V> & object;
      } catch (error) {
        throw new ReadFailed('subscription read failed', { cause: error });
      }
    },
  });
}

async function read<V extends object>(cache: LRUCache<string, Cached<V> & object, unknown>, key: string): Promise<V | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await cache.fetch(key);
      return value === undefined || value === ABSENT ? null : (value as V);
    } catch (error) {
      if (error instanceof ReadFailed) throw error.cause;
      // A change notice invalidated the entry while it was being read, and lru-cache rejects the
      // readers waiting on it: read it again, which now sees the change.
      if (attempt === 3) throw error;
    }
  }
}

/**
 * Subscriptions as the processor reads them: from storage at most once per `maxAgeMs` per app
 * (for fan-out) and per subscription (for attempts), so storage is not queried per event, and a
 * create, update, disable or delete is seen within `maxAgeMs`; at once where the writer is in
 * this process and calls `invalidate`.
 *
 * @example
 * const subscriptions = createSubscriptionCache(storage.subscriptions, { maxAgeMs: 1_000 });
 * const targets = await subscriptions.listEnabled(appId);
 */
export function createSubscriptionCache(store: SubscriptionReader, input: SubscriptionCacheOptions = {}): SubscriptionCache {
  const options = { maxAgeMs: input.maxAgeMs ?? 1_000, maxEntries: input.maxEntries ?? 10_000 };
  const enabledByApp = cacheOf<Subscription[]>(options, (appId) => store.listEnabled(appId));
  // Keyed by app and id: a subscription is only ever read within its app's scope.
  const byId = cacheOf<Subscription>(options, (key) => {
    const [appId, id] = key.split(' ') as [string, string];
    return store.get(id, appId);
  });
  const secrets = cacheOf<EncryptedSecrets>(options, (id) => store.getSecrets(id));

  return {
    async listEnabled(appId) {
      return (await read(enabledByApp, appId)) ?? [];
    },
    get(id, scope) {
      return scope === undefined ? store.get(id, scope) : read(byId, `${scope} ${id}`);
    },
    getSecrets(id) {
      return read(secrets, id);
    },
    invalidate({ subscriptionId, appId }) {
      secrets.delete(subscriptionId);
      if (appId === undefined) {
        enabledByApp.clear();
        byId.clear();
        return;
      }
      enabledByApp.delete(appId);
      byId.delete(`${appId} ${subscriptionId}`);
    },
  };
}
