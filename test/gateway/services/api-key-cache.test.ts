import { describe, expect, it } from 'vitest';
import { withApiKeyCache } from '../../../gateway/services/api-key-cache.js';
import type { ApiKey, App } from '../../../shared/types.js';
import type { Storage } from '../../../storage/ports/index.js';

const APP: App = { id: 'app_1', name: 'shop', createdAt: '2026-11-30T10:00:00.000Z' };
const KEY: ApiKey = { id: 'key_1', appId: 'app_1', prefix: 'hg_abc', createdAt: '2026-11-30T10:00:00.000Z' };
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A storage holding one app and its key, counting reads; each read takes `readMs`. */
function fakeStorage(readMs = 0) {
  const state = { apps: new Map([[APP.id, APP]]), keys: new Map([['hash-1', KEY]]), reads: 0, failing: false };
  const read = async <T>(value: T): Promise<T> => {
    state.reads += 1;
    await tick(readMs);
    if (state.failing) throw new Error('storage down');
    return value;
  };
  const storage = {
    apps: {
      get: (id: string) => read(state.apps.get(id) ?? null),
      delete: async (id: string) => state.apps.delete(id),
    },
    apiKeys: {
      findByHash: (hash: string) => read(state.keys.get(hash) ?? null),
      create: async (key: ApiKey & { hash: string }) => {
        const { hash, ...stored } = key;
        state.keys.set(hash, stored);
      },
      delete: async (_appId: string, keyId: string) => {
        for (const [hash, key] of state.keys) if (key.id === keyId) state.keys.delete(hash);
        return true;
      },
    },
  } as unknown as Storage;
  return { storage, state };
}

describe('withApiKeyCache', () => {
  it('reads a found key or app once within its age, and one read serves concurrent misses', async () => {
    const { storage, state } = fakeStorage(5);
    const cached = withApiKeyCache(storage);
    expect(await Promise.all([cached.apiKeys.findByHash('hash-1'), cached.apiKeys.findByHash('hash-1')])).toEqual([KEY, KEY]);
    expect(await Promise.all([cached.apps.get(APP.id), cached.apps.get(APP.id)])).toEqual([APP, APP]);
    expect(await cached.apps.get(APP.id)).toEqual(APP);
    expect(state.reads).toBe(2);
  });

  it('asks again after maxAgeMs, and never remembers what it did not find', async () => {
    const { storage, state } = fakeStorage();
    const cached = withApiKeyCache(storage, { maxAgeMs: 20 });
    expect(await cached.apps.get('app_new')).toBeNull();
    state.apps.set('app_new', { ...APP, id: 'app_new' });
    expect(await cached.apps.get('app_new')).toMatchObject({ id: 'app_new' });
    await cached.apps.get(APP.id);
    await tick(40);
    await cached.apps.get(APP.id);
    expect(state.reads).toBe(4);
  });

  it('forgets an app and its keys deleted through it, even while they are being read', async () => {
    const { storage } = fakeStorage(20);
    const cached = withApiKeyCache(storage);
    await cached.apiKeys.findByHash('hash-1');
    const reading = cached.apps.get(APP.id);
    await tick(5);
    expect(await cached.apps.delete(APP.id)).toBe(true);
    expect(await reading).toBeNull();
    expect(await cached.apps.get(APP.id)).toBeNull();
  });

  it('forgets a deleted key at once', async () => {
    const { storage } = fakeStorage();
    const cached = withApiKeyCache(storage);
    expect(await cached.apiKeys.findByHash('hash-1')).toEqual(KEY);
    await cached.apiKeys.delete(KEY.appId, KEY.id);
    expect(await cached.apiKeys.findByHash('hash-1')).toBeNull();
  });

  it("passes the storage's failure on, and caches nothing from it", async () => {
    const { storage, state } = fakeStorage();
    const cached = withApiKeyCache(storage);
    state.failing = true;
    await expect(cached.apiKeys.findByHash('hash-1')).rejects.toThrow('storage down');
    state.failing = false;
    expect(await cached.apiKeys.findByHash('hash-1')).toEqual(KEY);
  });

  it('remembers a key hash that matched nothing for missMaxAgeMs, so a wrong key sent again costs no read', async () => {
    const { storage, state } = fakeStorage();
    const cached = withApiKeyCache(storage, { missMaxAgeMs: 30 });
    for (let index = 0; index < 50; index++) expect(await cached.apiKeys.findByHash('wrong')).toBeNull();
    expect(state.reads).toBe(1);
    await tick(50);
    expect(await cached.apiKeys.findByHash('wrong')).toBeNull();
    expect(state.reads).toBe(2);
  });

  it('finds a key created through it at once, even when its hash was remembered as a miss', async () => {
    const { storage } = fakeStorage();
    const cached = withApiKeyCache(storage);
    expect(await cached.apiKeys.findByHash('hash-new')).toBeNull();
    await cached.apiKeys.create({ ...KEY, id: 'key_new', hash: 'hash-new' });
    expect(await cached.apiKeys.findByHash('hash-new')).toMatchObject({ id: 'key_new' });
  });

  it('does not remember a miss whose read was in flight while a key was created', async () => {
    const { storage } = fakeStorage(20);
    const cached = withApiKeyCache(storage);
    const reading = cached.apiKeys.findByHash('hash-new');
    await tick(5);
    await cached.apiKeys.create({ ...KEY, id: 'key_new', hash: 'hash-new' });
    expect(await reading).toBeNull();
    expect(await cached.apiKeys.findByHash('hash-new')).toMatchObject({ id: 'key_new' });
  });

  it('keeps at most maxMisses misses, and a flood of them does not push out the keys found', async () => {
    const { storage, state } = fakeStorage();
    const cached = withApiKeyCache(storage, { maxMisses: 10 });
    expect(await cached.apiKeys.findByHash('hash-1')).toEqual(KEY);
    for (let index = 0; index < 100; index++) await cached.apiKeys.findByHash(`wrong-${index}`);
    const before = state.reads;
    expect(await cached.apiKeys.findByHash('hash-1')).toEqual(KEY);
    expect(await cached.apiKeys.findByHash('wrong-99')).toBeNull();
    expect(state.reads).toBe(before);
    expect(await cached.apiKeys.findByHash('wrong-0')).toBeNull();
    expect(state.reads).toBe(before + 1);
  });
});
