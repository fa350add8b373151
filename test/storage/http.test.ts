import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../../shared/http/http-server.js';
import { createLogger } from '../../shared/logger.js';
import { HookgateMetrics } from '../../shared/metrics.js';
import { UnauthorizedError, UnavailableError } from '../../shared/errors/index.js';
import { createHttpStorage } from '../../storage/adapters/http/index.js';
import { createSqliteStorage } from '../../storage/adapters/sqlite/index.js';
import { createStorageServiceApp } from '../../storage/service/index.js';
import { makeTempDir } from '../support/temp-dir.js';
import { describeStorageContract } from './storage-contract.js';

const logger = createLogger('silent');
const TOKEN = 'internal-test-token';

/** The storage service on a real SQLite file, and the HTTP adapter calling it over loopback. */
async function startServiceAndClient(token = TOKEN) {
  const dir = makeTempDir('http-storage');
  const backing = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite'), logger });
  await backing.start();
  const app = createStorageServiceApp({ storage: backing, internalToken: TOKEN, logger, metrics: new HookgateMetrics('storage') });
  const server = await startHttpServer(app, 0, '127.0.0.1');
  const storage = createHttpStorage({ url: server.url, internalToken: token });
  await storage.start();
  return {
    storage,
    server,
    cleanup: async () => {
      await storage.close();
      await server.close(1_000);
      await backing.close();
      dir.remove();
    },
  };
}

describeStorageContract('HTTP storage service (over SQLite)', () => startServiceAndClient());

describe('HTTP storage adapter', () => {
  it('refuses a caller without the internal token', async () => {
    const { storage, cleanup } = await startServiceAndClient('not-the-token');
    try {
      await expect(storage.apps.list({ limit: 10 })).rejects.toBeInstanceOf(UnauthorizedError);
    } finally {
      await cleanup();
    }
  });

  it('reports an unreachable service as unavailable and not ready', async () => {
    const { storage, server, cleanup } = await startServiceAndClient();
    await server.close(100);
    try {
      await expect(storage.apps.get('app_x')).rejects.toBeInstanceOf(UnavailableError);
      expect(await storage.ping()).toBe(false);
    } finally {
      await cleanup();
    }
  });
});
