import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../support/api-client.js';
import { expectProblem, startGateway, subscriptionBody, type GatewayHarness } from '../gateway-harness.js';

describe("gateway tenant isolation: app B's key never reaches app A's data", () => {
  let gateway: GatewayHarness;
  let a: { appId: string; client: ApiClient };
  let b: { appId: string; client: ApiClient };
  let subscription: { id: string; secret: string };
  let eventId: string;
  let deliveryId: string;

  beforeEach(async () => {
    gateway = await startGateway();
    a = await gateway.createApp('a');
    b = await gateway.createApp('b');
    subscription = (await a.client.post('/v1/subscriptions', subscriptionBody({ description: 'A' }))).body;
    eventId = (await a.client.post('/v1/events', { type: 'order.paid', data: { n: 1 } })).body.id;
    deliveryId = (await gateway.recordFailedDelivery({ appId: a.appId, eventId, subscriptionId: subscription.id })).id;
  });
  afterEach(async () => {
    await gateway.stop();
  });

  it("answers 404 for A's subscription, event and delivery read with B's key", async () => {
    expectProblem(await b.client.get(`/v1/subscriptions/${subscription.id}`), 404, 'not-found');
    expectProblem(await b.client.get(`/v1/subscriptions/${subscription.id}/secret`), 404, 'not-found');
    expectProblem(await b.client.get(`/v1/events/${eventId}`), 404, 'not-found');
    expectProblem(await b.client.get(`/v1/deliveries/${deliveryId}`), 404, 'not-found');

    expect((await b.client.get('/v1/subscriptions')).body.data).toEqual([]);
    expect((await b.client.get('/v1/events')).body.data).toEqual([]);
    expect((await b.client.get('/v1/deliveries')).body.data).toEqual([]);
    expectProblem(await b.client.get(`/v1/events?appId=${a.appId}`), 404, 'not-found');
  });

  it("answers 404 to B patching, deleting, rotating or replaying A's subscription, and changes nothing", async () => {
    expectProblem(await b.client.patch(`/v1/subscriptions/${subscription.id}`, { description: 'B was here' }), 404, 'not-found');
    expectProblem(await b.client.delete(`/v1/subscriptions/${subscription.id}`), 404, 'not-found');
    expectProblem(await b.client.post(`/v1/subscriptions/${subscription.id}/secret/rotate`), 404, 'not-found');
    expectProblem(await b.client.post(`/v1/subscriptions/${subscription.id}/replay`, { since: '2020-01-01T00:00:00Z' }), 404, 'not-found');

    const mine = await a.client.get(`/v1/subscriptions/${subscription.id}`);
    expect(mine.body.description).toBe('A');
    expect((await a.client.get(`/v1/subscriptions/${subscription.id}/secret`)).body.secret).toBe(subscription.secret);
    expect(await gateway.broker.depth('events')).toBe(1);
  });

  it("answers 404 to B retrying A's delivery, which stays failed", async () => {
    expectProblem(await b.client.post(`/v1/deliveries/${deliveryId}/retry`), 404, 'not-found');
    expect((await a.client.get(`/v1/deliveries/${deliveryId}`)).body.status).toBe('failed');
    expect(await gateway.broker.depth('deliveries')).toBe(0);
  });

  it('does not let B publish into A or subscribe for A', async () => {
    expectProblem(await b.client.post(`/v1/events?appId=${a.appId}`, { type: 'order.paid', data: {} }), 404, 'not-found');
    expectProblem(await b.client.post(`/v1/events:batch?appId=${a.appId}`, { events: [{ type: 'order.paid', data: {} }] }), 404, 'not-found');
    expectProblem(await b.client.post(`/v1/subscriptions?appId=${a.appId}`, subscriptionBody()), 404, 'not-found');

    expect((await a.client.get('/v1/events')).body.data).toHaveLength(1);
    expect((await a.client.get('/v1/subscriptions')).body.data).toHaveLength(1);
    expect(await gateway.broker.depth('events')).toBe(1);
  });

  it("lets the operator read any app's resources, and act for an app it names", async () => {
    expect((await gateway.admin.get(`/v1/subscriptions/${subscription.id}`)).body.appId).toBe(a.appId);
    expect((await gateway.admin.get(`/v1/events/${eventId}`)).body.deliveries.map((d: { id: string }) => d.id)).toEqual([deliveryId]);
    expect((await gateway.admin.get(`/v1/subscriptions?appId=${b.appId}`)).body.data).toEqual([]);
    expect((await gateway.admin.get('/v1/subscriptions')).body.data).toHaveLength(1);

    const missingApp = await gateway.admin.post('/v1/events', { type: 'order.paid', data: {} });
    expectProblem(missingApp, 422, 'validation');
    expect(missingApp.body.errors).toEqual([expect.objectContaining({ path: 'appId' })]);

    const published = await gateway.admin.post(`/v1/events?appId=${b.appId}`, { type: 'order.paid', data: {} });
    expect(published.status).toBe(202);
    expect(published.body.appId).toBe(b.appId);
    expect((await b.client.get('/v1/events')).body.data).toHaveLength(1);
  });
});
