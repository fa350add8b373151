import { afterEach, beforeEach, describe } from 'vitest';
import type { Storage } from '../../storage/ports/index.js';
import { describeLifecycleContract } from './contract/lifecycle-contract.js';
import { describeAppsContract } from './contract/apps-contract.js';
import { describeApiKeysContract } from './contract/api-keys-contract.js';
import { describeSubscriptionsContract } from './contract/subscriptions-contract.js';
import { describeEventsContract } from './contract/events-contract.js';
import { describeDeliveriesContract } from './contract/deliveries-contract.js';
import { describeAppDeletionContract } from './contract/app-deletion-contract.js';
import { anApp, type ContractContext } from './contract/fixtures.js';

/** What a contract run needs from an adapter: a started, empty storage and a way to dispose of it. */
export type StorageFactory = () => Promise<{ storage: Storage; cleanup: () => Promise<void> }>;

/**
 * The storage port contract, run unchanged against every adapter (SQLite, MongoDB): each
 * test gets a fresh, started, empty storage from `makeStorage`, with two apps created in it.
 *
 * @example
 * describeStorageContract('SQLite', async () => {
 *   const dir = makeTempDir('sqlite');
 *   const storage = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite') });
 *   await storage.start();
 *   return { storage, cleanup: async () => { await storage.close(); dir.remove(); } };
 * });
 */
export function describeStorageContract(name: string, makeStorage: StorageFactory): void {
  describe(`storage contract: ${name}`, () => {
    const context = {} as ContractContext;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      const made = await makeStorage();
      cleanup = made.cleanup;
      context.storage = made.storage;
      context.app = anApp('shop');
      context.other = anApp('rival');
      await context.storage.apps.create(context.app);
      await context.storage.apps.create(context.other);
    });

    afterEach(async () => {
      await cleanup();
    });

    describeLifecycleContract(context);
    describeAppsContract(context);
    describeApiKeysContract(context);
    describeSubscriptionsContract(context);
    describeEventsContract(context);
    describeDeliveriesContract(context);
    describeAppDeletionContract(context);
  });
}
