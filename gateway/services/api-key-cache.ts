import { LRUCache } from 'lru-cache';
import type { ApiKey, App } from '../../shared/types.js';
import type { Storage } from '../../storage/ports/index.js';

export interface ApiKeyCacheOptions {
  /** How long a key found by its hash, or an app found by its id, is trusted without asking storage again. Default 5 s. */
  maxAgeMs?: number;
  /** Entries kept per kind of lookup. Default 10,000. */
  maxEntries?: number;
  /** How long a key hash that matched no key is answered "no such key" without asking storage. Default 10 s. */
  missMaxAgeMs?: number;
  /** Key hashes remembered as matching nothing; kept apart from the keys found, so a flood of wrong keys cannot push those out. Default 10,000. */
  maxMisses?: number;
}

/** A failure of the storage read itself, told apart from the cache dropping a read in flight. */
class LookupFailed extends Error {}

/**
 * A cache of records found, whose concurrent misses for one id share one storage read. Misses
 * are not kept here: a record created a moment ago (here or on another replica) is found at once.
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
 * A key hash that matched nothing is remembered for `missMaxAgeMs` too, so a wrong key sent again
 * and again costs one storage read, not one each (the per-address limit on failed
 * authentications bounds how many different ones a client can try). A remembered miss cannot hide
 * a key created after it: keys are 32 random bytes made by the server (`generateApiKey`), so
 * nobody can have presented a new key's hash before it existed; and a key created through this
 * storage clears its hash from the misses in any case, including a miss whose read was in flight.
 *
 * @example
 * const storage = withApiKeyCache(createHttpStorage({ url, internalToken }));
 * await storage.apiKeys.findByHash(keyHasher.hash(token)); // storage is asked at most once per 5 s (10 s for a miss)
 */
export function withApiKeyCache(storage: Storage, options: ApiKeyCacheOptions = {}): Storage {
  const keys = foundCache<ApiKey>(options, (hash) => storage.apiKeys.findByHash(hash));
  const misses = new LRUCache<string, true>({ max: options.maxMisses ?? 10_000, ttl: options.missMaxAgeMs ?? 10_000 });
  // Bumped by every key created here: a miss read before a creation finished is not remembered.
  let creations = 0;
  const apps = foundCache<App>(options, (id) => storage.apps.get(id));
  const forgetKeys = (matches: (key: ApiKey) => boolean) => {
    for (const [hash, key] of keys.entries()) if (matches(key)) keys.delete(hash);
  };
  return {
    ...storage,
    apiKeys: {
      ...storage.apiKeys,
      async findByHash(hash) {
        if (misses.has(hash)) return null;
        const seen = creations;
        const key = await lookUp(keys, hash);
        if (key === null && seen === creations) misses.set(hash, true);
        return key;
      },
      async create(key) {
        creations += 1;
        misses.delete(key.hash);
        try {
          await storage.apiKeys.create(key);
        } finally {
          // Again once stored: a read that began before the creation may have remembered the miss meanwhile.
          creations += 1;
          misses.delete(key.hash);
        }
      },
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
