import { afterEach, describe, expect, it } from 'vitest';
import { createAppWithKey, eventually, type ApiClient } from '../support/api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/embedded-platform.js';
import { TestReceiver } from '../support/receiver.js';

interface MergedBody {
  id: string;
  type: string;
  data: { orderId?: string; n: number };
  merged?: { count: number; eventIds: string[] };
}

describe('embedded platform: merging events into one delivery', () => {
  let platform: TestPlatform | undefined;
  let receiver: TestReceiver | undefined;
  afterEach(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  async function setUp(env: Record<string, string> = {}): Promise<{ app: ApiClient; receiver: TestReceiver }> {
    platform = await startTestPlatform(env);
    receiver = await new TestReceiver().start();
    return { app: (await createAppWithKey(platform.admin, 'shop')).client, receiver };
  }

  async function publish(app: ApiClient, events: { type: string; data: unknown }[]): Promise<string[]> {
    const batch = await app.post('/v1/events:batch', { events });
    expect(batch.status, JSON.stringify(batch.body)).toBe(202);
    return batch.body.data.map((event: { id: string }) => event.id);
  }

  const bodies = (receiver: TestReceiver) => receiver.requests.map((request) => JSON.parse(request.body) as MergedBody);

  it('delivers events with one merge key inside the window as one delivery, per key, in arrival order', async () => {
    const { app, receiver } = await setUp();
    const created = await app.post('/v1/subscriptions', {
      url: receiver.url,
      events: ['order.updated'],
      merge: { key: 'data.orderId', windowMs: 500 },
    });
    expect(created.status).toBe(201);

    const first = await publish(app, Array.from({ length: 10 }, (_, n) => ({ type: 'order.updated', data: { orderId: 'o-1', n } })));
    const second = await publish(app, [
      { type: 'order.updated', data: { orderId: 'o-2', n: 0 } },
      { type: 'order.updated', data: { n: 99 } },
      { type: 'order.updated', data: { orderId: 'o-2', n: 1 } },
    ]);

    await receiver.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const received = bodies(receiver);
    expect(received).toHaveLength(3);
    const forOrder = (orderId: string) => received.find((body) => body.data.orderId === orderId)!;
    expect(forOrder('o-1')).toMatchObject({ id: first[9], data: { orderId: 'o-1', n: 9 }, merged: { count: 10, eventIds: first } });
    expect(forOrder('o-2')).toMatchObject({ id: second[2], data: { n: 1 }, merged: { count: 2, eventIds: [second[0], second[2]] } });
    const alone = received.find((body) => body.data.orderId === undefined)!;
    expect(alone).toEqual(expect.objectContaining({ id: second[1], data: { n: 99 } }));
    expect(alone.merged).toBeUndefined();

    const merged = received.find((body) => body.data.orderId === 'o-1')!;
    const delivery = await eventually(async () => {
      const list = await app.get(`/v1/deliveries?event=${merged.id}&status=succeeded`);
      return list.body.data?.[0];
    });
    expect(receiver.requests.find((request) => JSON.parse(request.body).id === merged.id)!.headers['webhook-id']).toBe(delivery.id);
  });

  it('closes a window early once it holds HOOKGATE_MERGE_MAX_EVENTS events', async () => {
    const { app, receiver } = await setUp({ HOOKGATE_MERGE_MAX_EVENTS: '3' });
    await app.post('/v1/subscriptions', { url: receiver.url, events: ['order.updated'], merge: { key: 'data.orderId', windowMs: 5_000 } });
    const started = Date.now();
    const ids = await publish(app, Array.from({ length: 3 }, (_, n) => ({ type: 'order.updated', data: { orderId: 'o-1', n } })));

    await receiver.waitFor(1, 3_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(bodies(receiver)[0]!.merged).toEqual({ count: 3, eventIds: ids });
  });

  it('retries a dead merged delivery with the same merged body and webhook-id', async () => {
    const { app, receiver } = await setUp({ HOOKGATE_RETRY_SCHEDULE: '50ms' });
    receiver.respond = (_request, index) => (index < 2 ? { status: 500 } : { status: 200 });
    await app.post('/v1/subscriptions', { url: receiver.url, events: ['order.updated'], merge: { key: 'data.orderId', windowMs: 200 } });
    const ids = await publish(app, Array.from({ length: 3 }, (_, n) => ({ type: 'order.updated', data: { orderId: 'o-1', n } })));

    const dead = await eventually(async () => (await app.get('/v1/deliveries?status=dead')).body.data[0]);
    expect(dead).toMatchObject({ eventId: ids[2], mergedEventIds: ids });
    expect((await app.post(`/v1/deliveries/${dead.id}/retry`)).status).toBe(202);
    await receiver.waitFor(3);
    const [first, , retried] = receiver.requests;
    expect(JSON.parse(retried!.body)).toEqual(JSON.parse(first!.body));
    expect(JSON.parse(retried!.body).merged).toEqual({ count: 3, eventIds: ids });
    expect(retried!.headers['webhook-id']).toBe(dead.id);
  });

  it('merges a replay like a first delivery, and sends it to no subscription but the replayed one', async () => {
    const { app, receiver } = await setUp();
    const merging = await app.post('/v1/subscriptions', { url: `${receiver.url}/merged`, events: ['order.updated'], merge: { key: 'data.orderId', windowMs: 200 } });
    const since = new Date(Date.now() - 1_000).toISOString();
    const ids = await publish(app, Array.from({ length: 4 }, (_, n) => ({ type: 'order.updated', data: { orderId: 'o-1', n } })));
    await receiver.waitFor(1);
    const later = await app.post('/v1/subscriptions', { url: `${receiver.url}/later`, events: ['order.updated'] });
    expect(later.status).toBe(201);

    expect((await app.post(`/v1/subscriptions/${merging.body.id}/replay`, { since })).status).toBe(202);
    await receiver.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests.map((request) => request.path)).toEqual(['/merged', '/merged']);
    const [original, replayed] = bodies(receiver);
    expect(replayed!.merged).toEqual({ count: 4, eventIds: ids });
    expect(replayed).toEqual(original);
    expect(receiver.requests[1]!.headers['webhook-id']).not.toBe(receiver.requests[0]!.headers['webhook-id']);
  });
});
