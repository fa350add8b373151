import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../../../gateway/index.js';
import { createEmbeddedBroker } from '../../../queue/adapters/embedded/index.js';
import type { MessageBroker } from '../../../queue/ports/message-broker.js';
import { loadConfig } from '../../../shared/config/index.js';
import { startHttpServer, type RunningServer } from '../../../shared/http/http-server.js';
import { createLogger } from '../../../shared/logger.js';
import { HookgateMetrics } from '../../../shared/metrics.js';
import { deriveInternalToken } from '../../../shared/security/internal-token.js';
import { KeyHasher, safeEqual } from '../../../shared/security/key-hash.js';
import { SecretBox } from '../../../shared/security/secret-box.js';
import { createHttpStorage } from '../../../storage/adapters/http/index.js';
import { createSqliteStorage } from '../../../storage/adapters/sqlite/index.js';
import type { Storage } from '../../../storage/ports/index.js';
import { createStorageServiceApp, STORAGE_METHODS } from '../../../storage/service/index.js';
import { ApiClient, createAppWithKey } from '../../support/api-client.js';
import { makeTempDir } from '../../support/temp-dir.js';

const ADMIN_TOKEN = 'round-trips-admin-token-0123456789';

/** The storage, recording `aggregate.method` of every port call: each is one call the storage service answers. */
function recording(storage: Storage, calls: string[]): Storage {
  const wrapped: Record<string, unknown> = { ...storage };
  for (const [aggregate, methods] of Object.entries(STORAGE_METHODS)) {
    const port = storage[aggregate as keyof typeof STORAGE_METHODS] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    wrapped[aggregate] = Object.fromEntries(
      methods.map((method) => [
        method,
        (...args: unknown[]) => {
          calls.push(`${aggregate}.${method}`);
          return port[method]!(...args);
        },
      ]),
    );
  }
  return wrapped as unknown as Storage;
}

/**
 * The gateway as distributed mode runs it (its storage is the storage service over HTTP), with
 * the service in this process over SQLite, so the test sees every round trip a request makes.
 */
describe('storage round trips of the gateway (distributed mode)', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let database: Storage;
  let broker: MessageBroker;
  let remote: Storage;
  let service: RunningServer;
  let gateway: RunningServer;
  let admin: ApiClient;
  const calls: string[] = [];

  /** The storage calls `request` makes. */
  async function callsOf(request: () => Promise<unknown>): Promise<string[]> {
    calls.length = 0;
    await request();
    return [...calls];
  }

  beforeEach(async () => {
    dir = makeTempDir('round-trips');
    const logger = createLogger('silent');
    const encryptionKey = SecretBox.generateKey();
    const config = loadConfig({ HOOKGATE_DATA_DIR: dir.path, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN, HOOKGATE_LOG_LEVEL: 'silent' });
    database = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite'), logger });
    await database.start();
    const internalToken = deriveInternalToken(encryptionKey);
    service = await startHttpServer(
      createStorageServiceApp({ storage: recording(database, calls), internalToken, logger, metrics: new HookgateMetrics('storage') }),
      0,
      '127.0.0.1',
    );
    remote = createHttpStorage({ url: service.url, internalToken });
    broker = createEmbeddedBroker({ file: join(dir.path, 'queue.sqlite'), logger });
    await broker.start();
    const { app } = await createGatewayApp({
      config,
      storage: remote,
      broker,
      secretBox: new SecretBox(encryptionKey),
      keyHasher: new KeyHasher(encryptionKey),
      isAdminToken: (token) => safeEqual(token, ADMIN_TOKEN),
      logger,
      metrics: new HookgateMetrics('gateway'),
    });
    gateway = await startHttpServer(app, 0, '127.0.0.1');
    admin = new ApiClient(gateway.url, ADMIN_TOKEN);
  });
  afterEach(async () => {
    await gateway.close(1_000);
    await service.close(1_000);
    await remote.close();
    await broker.close();
    await database.close();
    dir.remove();
  });

  it('publishes with an app key in one round trip: the insert (the key is looked up once)', async () => {
    const { client } = await createAppWithKey(admin, 'shop');
    expect(await callsOf(() => client.post('/v1/events', { type: 'order.paid', data: {} }))).toEqual(['apiKeys.findByHash', 'events.insert']);
    for (let n = 0; n < 3; n++) {
      const calls = await callsOf(async () => expect((await client.post('/v1/events', { type: 'order.paid', data: { n } })).status).toBe(202));
      expect(calls).toEqual(['events.insert']);
    }
  });

  it('publishes with an idempotency key in two (insert, then marked queued after the confirm); a repeat in one', async () => {
    const { client } = await createAppWithKey(admin, 'shop');
    await client.get('/v1/events');
    const headers = { 'idempotency-key': 'order-1-paid' };
    expect(await callsOf(() => client.post('/v1/events', { type: 'order.paid', data: {} }, headers))).toEqual(['events.insert', 'events.markQueued']);
    const repeat = await callsOf(async () => expect((await client.post('/v1/events', { type: 'order.paid', data: {} }, headers)).headers.get('idempotent-replayed')).toBe('true'));
    expect(repeat).toEqual(['events.insert']);
  });

  it('looks up the app the operator names once, not per publish, and forgets it when the app is deleted', async () => {
    const appId = (await admin.post('/v1/apps', { name: 'shop' })).body.id as string;
    const publish = () => admin.post(`/v1/events?appId=${appId}`, { type: 'order.paid', data: {} });
    expect(await callsOf(publish)).toEqual(['apps.get', 'events.insert']);
    expect(await callsOf(publish)).toEqual(['events.insert']);

    expect((await admin.delete(`/v1/apps/${appId}`)).status).toBe(204);
    const afterDelete = await publish();
    expect(afterDelete.status).toBe(404);
  });

  it('looks a new key up once for concurrent requests, and stops accepting a deleted one at once', async () => {
    const { appId, client } = await createAppWithKey(admin, 'shop');
    const concurrent = await callsOf(() => Promise.all(Array.from({ length: 8 }, () => client.get('/v1/events'))));
    expect(concurrent.filter((call) => call === 'apiKeys.findByHash')).toHaveLength(1);

    const [key] = (await admin.get(`/v1/apps/${appId}/keys`)).body.data;
    expect((await admin.delete(`/v1/apps/${appId}/keys/${key.id}`)).status).toBe(204);
    expect((await client.get('/v1/events')).status).toBe(401);
  });
});
