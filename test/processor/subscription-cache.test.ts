import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../shared/ids.js';
import type { Subscription } from '../../shared/types.js';
import { createSubscriptionCache } from '../../processor/subscription-cache.js';
import { createSqliteStorage } from '../../storage/adapters/sqlite/index.js';
import type { Storage, SubscriptionStore } from '../../storage/ports/index.js';
import { makeTempDir } from '../support/temp-dir.js';

/** The real store, counting the reads that reach it. */
function counted(store: SubscriptionStore): { store: SubscriptionStore; reads: () => number } {
  let reads = 0;
  const counting = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reads += 1;
        return (value as (...inner: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counting, reads: () => reads };
}

describe('processor subscription cache over the SQLite store', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let storage: Storage;
  const appId = newId('app');
  let subscription: Subscription;

  beforeEach(async () => {
    dir = makeTempDir('subscription-cache');
    storage = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite') });
    await storage.start();
    const now = new Date().toISOString();
    await storage.apps.create({ id: appId, name: 'shop', createdAt: now });
    subscription = { id: newId('subscription'), appId, url: 'https://hooks.example.com', events: ['#'], enabled: true, createdAt: now, updatedAt: now };
    await storage.subscriptions.create(subscription, { current: 'sealed' });
  });
  afterEach(async () => {
    await storage.close();
    dir.remove();
  });

  it('reads storage once for many events of an app, and shares one read between concurrent misses', async () => {
    const { store, reads } = counted(storage.subscriptions);
    const cache = createSubscriptionCache(store, { maxAgeMs: 5_000 });
    const lists = await Promise.all(Array.from({ length: 50 }, () => cache.listEnabled(appId)));
    for (let n = 0; n < 50; n++) await cache.listEnabled(appId);
    expect(lists.every((list) => list.length === 1 && list[0]!.id === subscription.id)).toBe(true);
    expect(reads()).toBe(1);
  });

  it('sees a change made behind its back within maxAgeMs, and at once when told', async () => {
    const cache = createSubscriptionCache(storage.subscriptions, { maxAgeMs: 300 });
    expect(await cache.listEnabled(appId)).toHaveLength(1);
    await storage.subscriptions.update(subscription.id, appId, { enabled: false }, new Date().toISOString());
    expect(await cache.listEnabled(appId)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await cache.listEnabled(appId)).toHaveLength(0);

    await storage.subscriptions.update(subscription.id, appId, { enabled: true, url: 'https://new.example.com' }, new Date().toISOString());
    cache.invalidate({ subscriptionId: subscription.id, appId });
    expect((await cache.listEnabled(appId))[0]?.url).toBe('https://new.example.com');
    expect((await cache.get(subscription.id, appId))?.url).toBe('https://new.example.com');
  });

  it('remembers that a subscription is gone, and never shows it to another app', async () => {
    const cache = createSubscriptionCache(storage.subscriptions, { maxAgeMs: 5_000 });
    expect(await cache.get(subscription.id, newId('app'))).toBeNull();
    await storage.subscriptions.delete(subscription.id, appId);
    cache.invalidate({ subscriptionId: subscription.id, appId });
    expect(await cache.get(subscription.id, appId)).toBeNull();
    expect(await cache.getSecrets(subscription.id)).toBeNull();
  });
});
