import { LRUCache } from 'lru-cache';
import type { ApiKey, App } from '../../shared/types.js';
import type { Storage } from '../../storage/ports/index.js';

export interface ApiKeyCacheOptions {
  /** How long a key found by its hash, or an app found by its id, is trusted without asking storage again. Default 5 s. */
  maxAgeMs?: number;
  /** Entries kept per kind of lookup. Default 10,000. */
  maxEntries?: number;
}

/** A failure of the storage read itself, told apart from the cache dropping a read in flight. */
class LookupFailed extends Error {}

/**
 * A cache of records found, whose concurrent misses for one id share one storage read. Misses
 * are not kept: a record created a moment ago (here or on another replica) is found at once.
 */
function foundCache<V extends object>(options: ApiKeyCacheOptions, load: (id: string) => Promise<V | null>): LRUCache<string, V> {
  return new LRUCache<string, V>({
    max: options.maxEntries ?? 10_000,
    ttl: options.maxAgeMs ?? 5_000,
    fetchMethod: async (id) => {
      try {
        return (await load(id)) ?? undefined;
      } catch (error) {
        throw new LookupFailed('storage lookup failed', { cause: error });
      }
    },
  });
}

async function lookUp<V extends object>(cache: LRUCache<string, V>, id: string): Promise<V | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await cache.fetch(id)) ?? null;
    } catch (error) {
      if (error instanceof LookupFailed) throw error.cause;
      // The entry was deleted (or evicted) while being read, and lru-cache rejects the readers
      // waiting on it: read it again, which now sees the deletion.
      if (attempt === 3) throw error;
    }
  }
}

/**
 * The storage with the lookups the gateway makes on every request cached briefly: API keys by
 * hash (authentication) and apps by id (the operator naming `?appId=`, key creation), so they
 * do not cost a storage round trip (in distributed mode, an HTTP call to the storage tier)
 * each. Apps never change but can be deleted: deleting a key or an app through this storage
 * forgets it at once; another gateway replica's cache forgets it within `maxAgeMs`, and
 * whatever that replica then writes for a deleted app the store refuses (it checks the app).
 *
 * @example
 * const storage = withApiKeyCache(createHttpStorage({ url, internalToken }));
 * await storage.apiKeys.findByHash(keyHasher.hash(token)); // storage is asked at most once per 5 s
 */
export function withApiKeyCache(storage: Storage, options: ApiKeyCacheOptions = {}): Storage {
  const keys = foundCache<ApiKey>(options, (hash) => storage.apiKeys.findByHash(hash));
  const apps = foundCache<App>(options, (id) => storage.apps.get(id));
  const forgetKeys = (matches: (key: ApiKey) => boolean) => {
    for (const [hash, key] of keys.entries()) if (matches(key)) keys.delete(hash);
  };
  return {
    ...storage,
    apiKeys: {
      ...storage.apiKeys,
      findByHash: (hash) => lookUp(keys, hash),
      async delete(appId, keyId) {
        const deleted = await storage.apiKeys.delete(appId, keyId);
        forgetKeys((key) => key.id === keyId);
        return deleted;
      },
    },
    apps: {
      ...storage.apps,
      get: (id) => lookUp(apps, id),
      async delete(id) {
        const deleted = await storage.apps.delete(id);
        apps.delete(id);
        forgetKeys((key) => key.appId === id);
        return deleted;
      },
    },
  };
}
