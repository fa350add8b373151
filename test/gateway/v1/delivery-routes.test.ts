import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/ids.js';
import type { ApiClient } from '../../support/api-client.js';
import { expectProblem, startGateway, subscriptionBody, type GatewayHarness } from '../gateway-harness.js';

describe('gateway /v1/deliveries', () => {
  let gateway: GatewayHarness;
  let app: ApiClient;
  let appId: string;
  let subscriptionId: string;
  let event: { id: string; receivedAt: string };

  beforeEach(async () => {
    gateway = await startGateway();
    ({ appId, client: app } = await gateway.createApp('shop'));
    subscriptionId = (await app.post('/v1/subscriptions', subscriptionBody())).body.id;
    event = (await app.post('/v1/events', { type: 'order.paid', data: { orderId: 'o-1' } })).body;
  });
  afterEach(async () => {
    await gateway.stop();
  });

  it('lists deliveries by subscription, event and status, and shows one with its attempts', async () => {
    const failed = await gateway.recordFailedDelivery({ appId, eventId: event.id, subscriptionId });
    const other = (await app.post('/v1/events', { type: 'order.shipped', data: {} })).body;
    const dead = await gateway.recordFailedDelivery({ appId, eventId: other.id, subscriptionId, status: 'dead' });

    const ids = async (query: string) => (await app.get(`/v1/deliveries${query}`)).body.data.map((d: { id: string }) => d.id).sort();
    expect(await ids('')).toEqual([failed.id, dead.id].sort());
    expect(await ids(`?status=dead`)).toEqual([dead.id]);
    expect(await ids(`?event=${event.id}`)).toEqual([failed.id]);
    expect(await ids(`?subscription=${subscriptionId}&status=failed`)).toEqual([failed.id]);
    expect(await ids(`?status=succeeded`)).toEqual([]);

    const detail = await app.get(`/v1/deliveries/${failed.id}`);
    expect(detail.body).toMatchObject({ id: failed.id, eventId: event.id, subscriptionId, status: 'failed', attemptCount: 1 });
    expect(detail.body.attempts).toEqual([
      expect.objectContaining({ number: 1, statusCode: 500, error: 'HTTP 500', responseBody: 'down', durationMs: 12 }),
    ]);
    expect((await app.get(`/v1/events/${event.id}`)).body.deliveries.map((d: { id: string }) => d.id)).toEqual([failed.id]);
  });

  it('retries a failed delivery under the same id as its next attempt', async () => {
    await gateway.takeMessages('events', 1);
    const failed = await gateway.recordFailedDelivery({ appId, eventId: event.id, subscriptionId });
    const retried = await app.post(`/v1/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'pending' });
    expect((await app.get(`/v1/deliveries/${failed.id}`)).body.status).toBe('pending');

    const [message] = await gateway.takeMessages('deliveries', 1);
    expect(message).toMatchObject({
      v: 1,
      deliveryId: failed.id,
      appId,
      subscriptionId,
      attempt: 2,
      envelope: { id: event.id, type: 'order.paid', data: { orderId: 'o-1' } },
      eventReceivedAt: event.receivedAt,
    });
  });

  it('retries a dead delivery, and refuses (409) one that is pending', async () => {
    const dead = await gateway.recordFailedDelivery({ appId, eventId: event.id, subscriptionId, status: 'dead' });
    expect((await app.post(`/v1/deliveries/${dead.id}/retry`)).status).toBe(202);
    const again = await app.post(`/v1/deliveries/${dead.id}/retry`);
    expectProblem(again, 409, 'conflict');
    expect(await gateway.broker.depth('deliveries')).toBe(1);
    expectProblem(await app.post(`/v1/deliveries/${newId('delivery')}/retry`), 404, 'not-found');
  });
});
