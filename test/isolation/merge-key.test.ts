import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../../storage/adapters/sqlite/index.js';
import { eventually, type ApiResponse } from '../support/api-client.js';
import { makeTempDir } from '../support/temp-dir.js';
import { measureIsolation, startIsolationRig, type IsolationRig } from './isolation-rig.js';

/** The broker redelivers a failed event after 1 s, then 2 s: this long shows any second sending. */
const REDELIVERY_WATCH_MS = 3_500;

/**
 * Issue 11: a merge key `constructor` or `toString` broke the merge buffer (`NOT NULL
 * constraint failed: merge_windows.merge_value`), the event was redelivered 10 times, and the
 * app's *other* subscriptions received each webhook 10 times; `__proto__` made 9 merged
 * deliveries with different webhook-ids. Such keys are now refused at creation and on PATCH,
 * and one saved before that (read from the store as it is) ends its own deliveries `dead`, the
 * reason recorded, while every other subscription gets each event exactly once.
 */
describe('isolation: a merge key that can never be read stays with its subscription', () => {
  const dataDir = makeTempDir('merge-key');
  let rig: IsolationRig;

  beforeAll(async () => {
    // The rig's data dir is ours, so the test can write to its store as an older hookgate did.
    rig = await startIsolationRig({ HOOKGATE_DATA_DIR: dataDir.path });
  });
  afterAll(async () => {
    await rig?.stop();
    dataDir.remove();
  });

  async function subscribe(path: string, fields: Record<string, unknown> = {}): Promise<string> {
    const created = await rig.hostile.client.post('/v1/subscriptions', { url: `${rig.hostileReceiver.url}${path}`, events: ['order.*'], ...fields });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  }

  function expectMergeKeyRefused(response: ApiResponse): void {
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.errors).toEqual([{ path: 'merge.key', message: expect.any(String) }]);
  }

  it('refuses merge keys that name built-ins with 422 naming merge.key, at creation and on PATCH', async () => {
    const existing = await subscribe('/existing', { merge: { key: 'data.orderId', windowMs: 1_000 } });
    const keys = ['constructor', 'toString', '__proto__', 'valueOf', 'data.constructor', 'data.__proto__.orderId', 'data..orderId'];
    const responses: ApiResponse[] = [];
    const figures = await measureIsolation(rig, async () => {
      for (const key of keys) {
        responses.push(await rig.hostile.client.post('/v1/subscriptions', { url: `${rig.hostileReceiver.url}/refused`, events: ['#'], merge: { key, windowMs: 1_000 } }));
        responses.push(await rig.hostile.client.patch(`/v1/subscriptions/${existing}`, { merge: { key, windowMs: 1_000 } }));
      }
    });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    for (const response of responses) expectMergeKeyRefused(response);

    const listed = (await rig.hostile.client.get('/v1/subscriptions')).body.data as { id: string; url: string }[];
    expect(listed.filter((subscription) => subscription.url.endsWith('/refused'))).toEqual([]);
    expect((await rig.hostile.client.get(`/v1/subscriptions/${existing}`)).body.merge).toEqual({ key: 'data.orderId', windowMs: 1_000 });
    expect((await rig.hostile.client.delete(`/v1/subscriptions/${existing}`)).status).toBe(204);
  });

  it("ends a stored unreadable merge key's deliveries dead, and the app's other subscription gets each webhook exactly once", async () => {
    const normal = await subscribe('/normal');
    const legacy = { constructor: await subscribe('/legacy-constructor', { merge: { key: 'data.orderId', windowMs: 500 } }), proto: '' };
    legacy.proto = await subscribe('/legacy-proto', { merge: { key: 'data.orderId', windowMs: 500 } });
    // What an older hookgate accepted, written straight to the store (the API refuses it now).
    const storage = createSqliteStorage({ file: join(dataDir.path, 'hookgate.sqlite') });
    await storage.start();
    try {
      const at = new Date().toISOString();
      await storage.subscriptions.update(legacy.constructor, rig.hostile.appId, { merge: { key: 'constructor', windowMs: 500 } }, at);
      await storage.subscriptions.update(legacy.proto, rig.hostile.appId, { merge: { key: '__proto__', windowMs: 500 } }, at);
    } finally {
      await storage.close();
    }
    expect((await rig.hostile.client.get(`/v1/subscriptions/${legacy.constructor}`)).body.merge.key).toBe('constructor');
    expect((await rig.hostile.client.get(`/v1/subscriptions/${legacy.proto}`)).body.merge.key).toBe('__proto__');
    // The processor reads subscriptions through a cache at most 1 s old.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const eventIds: string[] = [];
    const figures = await measureIsolation(rig, async () => {
      for (const orderId of ['o-1', 'o-1', 'o-2']) {
        const published = await rig.hostile.client.post('/v1/events', { type: 'order.paid', data: { orderId } });
        expect(published.status, JSON.stringify(published.body)).toBe(202);
        eventIds.push(published.body.id);
      }
    });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);

    // The hostile subscriptions' own outcome: every event's delivery dead, the reason recorded, nothing sent.
    for (const [id, key] of [
      [legacy.constructor, 'constructor'],
      [legacy.proto, '__proto__'],
    ] as const) {
      const dead = await eventually(async () => {
        const listed = await rig.hostile.client.get(`/v1/deliveries?subscription=${id}&status=dead`);
        return listed.body.data.length === eventIds.length ? (listed.body.data as { eventId: string; lastError: string; attemptCount: number }[]) : undefined;
      });
      expect(dead.map((delivery) => delivery.eventId).sort()).toEqual([...eventIds].sort());
      for (const delivery of dead) expect(delivery.lastError).toContain(`merge key "${key}"`);
    }
    await new Promise((resolve) => setTimeout(resolve, REDELIVERY_WATCH_MS));

    const received = rig.hostileReceiver.requests;
    expect(received.filter((request) => request.path.startsWith('/legacy'))).toEqual([]);
    const toNormal = received.filter((request) => request.path === '/normal');
    expect(toNormal.map((request) => JSON.parse(request.body).id).sort()).toEqual([...eventIds].sort());
    expect(new Set(toNormal.map((request) => request.headers['webhook-id'])).size).toBe(eventIds.length);
    const normalDeliveries = await rig.hostile.client.get(`/v1/deliveries?subscription=${normal}`);
    expect(normalDeliveries.body.data).toHaveLength(eventIds.length);
    for (const id of [legacy.constructor, legacy.proto]) {
      expect((await rig.hostile.client.get(`/v1/deliveries?subscription=${id}`)).body.data).toHaveLength(eventIds.length);
    }
  });
});
