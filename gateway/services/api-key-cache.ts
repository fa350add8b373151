import { LRUCache } from 'lru-cache';
import type { ApiKey } from '../../shared/types.js';
import type { Storage } from '../../storage/ports/index.js';

export interface ApiKeyCacheOptions {
  /** How long a key found by its hash is trusted without asking storage again. Default 5 s. */
  maxAgeMs?: number;
  maxEntries?: number;
}

/**
 * The storage with API-key lookups cached briefly, so authenticating a request does not cost
 * a storage round trip (in distributed mode, an HTTP call to the storage tier). Deleting a key
 * or its app through this storage forgets it at once; another gateway replica's cache forgets
 * it within `maxAgeMs`. Unknown keys are not cached: a key just created works at once.
 */
export function withApiKeyCache(storage: Storage, options: ApiKeyCacheOptions = {}): Storage {
  const known = new LRUCache<string, ApiKey>({ max: options.maxEntries ?? 10_000, ttl: options.maxAgeMs ?? 5_000 });
  const forget = (matches: (key: ApiKey) => boolean) => {
    for (const [hash, key] of known.entries()) if (matches(key)) known.delete(hash);
  };
  return {
    ...storage,
    apiKeys: {
      ...storage.apiKeys,
      async findByHash(hash) {
        const cached = known.get(hash);
        if (cached !== undefined) return cached;
        const found = await storage.apiKeys.findByHash(hash);
        if (found !== null) known.set(hash, found);
        return found;
      },
      async delete(appId, keyId) {
        const deleted = await storage.apiKeys.delete(appId, keyId);
        forget((key) => key.id === keyId);
        return deleted;
      },
    },
    apps: {
      ...storage.apps,
      async delete(id) {
        const deleted = await storage.apps.delete(id);
        forget((key) => key.appId === id);
        return deleted;
      },
    },
  };
}
