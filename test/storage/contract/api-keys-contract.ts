import { beforeEach, describe, expect, it } from 'vitest';
import { HookgateError } from '../../../shared/errors/index.js';
import { newId } from '../../../shared/ids.js';
import type { App } from '../../../shared/types.js';
import type { Storage } from '../../../storage/ports/index.js';
import { at, type ContractContext } from './fixtures.js';

/** API key store. */
export function describeApiKeysContract(context: ContractContext): void {
  describe('API keys', () => {
    let storage: Storage;
    let app: App;
    let other: App;
    beforeEach(() => {
      ({ storage, app, other } = context);
    });

    it('finds a key by its hash, lists it without the hash, and deletes it only for its app', async () => {
      const key = { id: newId('key'), appId: app.id, prefix: 'hg_abcd', createdAt: at(0) };
      await storage.apiKeys.create({ ...key, hash: 'hash-1' });
      expect(await storage.apiKeys.findByHash('hash-1')).toEqual(key);
      expect(await storage.apiKeys.findByHash('hash-2')).toBeNull();
      expect(await storage.apiKeys.list(app.id)).toEqual([key]);
      expect(await storage.apiKeys.list(other.id)).toEqual([]);

      expect(await storage.apiKeys.delete(other.id, key.id)).toBe(false);
      expect(await storage.apiKeys.findByHash('hash-1')).toEqual(key);
      expect(await storage.apiKeys.delete(app.id, key.id)).toBe(true);
      expect(await storage.apiKeys.findByHash('hash-1')).toBeNull();
    });

    it('refuses two keys with the same hash', async () => {
      await storage.apiKeys.create({ id: newId('key'), appId: app.id, prefix: 'hg_1', createdAt: at(0), hash: 'same' });
      await expect(
        storage.apiKeys.create({ id: newId('key'), appId: other.id, prefix: 'hg_2', createdAt: at(0), hash: 'same' }),
      ).rejects.toBeInstanceOf(HookgateError);
    });
  });
}
