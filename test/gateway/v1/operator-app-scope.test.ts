import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../support/api-client.js';
import { expectProblem, startGateway, subscriptionBody, type GatewayHarness } from '../gateway-harness.js';

/**
 * Issue 11: `PATCH /v1/subscriptions/<app1's>?appId=<app2>` changed app1's subscription: id
 * routes ignored `?appId=`. Naming an app on an id route now narrows the lookup to that app,
 * for the operator as for an app key, so a resource of another app is 404 and stays unchanged.
 */
describe('?appId= on id routes narrows the lookup to that app', () => {
  let gateway: GatewayHarness;
  let one: { appId: string; client: ApiClient };
  let two: { appId: string; client: ApiClient };
  let subscription: { id: string; secret: string };
  let eventId: string;
  let deliveryId: string;

  beforeAll(async () => {
    gateway = await startGateway();
    one = await gateway.createApp('one');
    two = await gateway.createApp('two');
    subscription = (await one.client.post('/v1/subscriptions', subscriptionBody({ description: 'one' }))).body;
    eventId = (await one.client.post('/v1/events', { type: 'order.paid', data: { n: 1 } })).body.id;
    deliveryId = (await gateway.recordFailedDelivery({ appId: one.appId, eventId, subscriptionId: subscription.id })).id;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  /** Every id route, called with `?appId=`. */
  function idRoutes(appId: string): { name: string; call: (client: ApiClient) => ReturnType<ApiClient['get']> }[] {
    const q = `?appId=${appId}`;
    return [
      { name: 'GET subscription', call: (client) => client.get(`/v1/subscriptions/${subscription.id}${q}`) },
      { name: 'PATCH subscription', call: (client) => client.patch(`/v1/subscriptions/${subscription.id}${q}`, { description: 'changed' }) },
      { name: 'DELETE subscription', call: (client) => client.delete(`/v1/subscriptions/${subscription.id}${q}`) },
      { name: 'GET secret', call: (client) => client.get(`/v1/subscriptions/${subscription.id}/secret${q}`) },
      { name: 'rotate secret', call: (client) => client.post(`/v1/subscriptions/${subscription.id}/secret/rotate${q}`) },
      { name: 'replay', call: (client) => client.post(`/v1/subscriptions/${subscription.id}/replay${q}`, { since: '2020-01-01T00:00:00Z' }) },
      { name: 'GET event', call: (client) => client.get(`/v1/events/${eventId}${q}`) },
      { name: 'GET delivery', call: (client) => client.get(`/v1/deliveries/${deliveryId}${q}`) },
      { name: 'retry delivery', call: (client) => client.post(`/v1/deliveries/${deliveryId}/retry${q}`) },
    ];
  }

  async function expectNothingChanged(): Promise<void> {
    const current = await one.client.get(`/v1/subscriptions/${subscription.id}`);
    expect(current.status).toBe(200);
    expect(current.body.description).toBe('one');
    expect((await one.client.get(`/v1/subscriptions/${subscription.id}/secret`)).body.secret).toBe(subscription.secret);
    expect((await one.client.get(`/v1/deliveries/${deliveryId}`)).body.status).toBe('failed');
    // The published event only: no replay and no retry was queued.
    expect(await gateway.broker.depth('events')).toBe(1);
    expect(await gateway.broker.depth('deliveries')).toBe(0);
  }

  it("answers 404 to the operator naming another app on each of app one's id routes, and changes nothing", async () => {
    for (const route of idRoutes(two.appId)) {
      expectProblem(await route.call(gateway.admin), 404, 'not-found');
    }
    await expectNothingChanged();
  });

  it('answers 404 to the operator naming an app that does not exist', async () => {
    for (const route of idRoutes('app_01J00000000000000000000000')) {
      expectProblem(await route.call(gateway.admin), 404, 'not-found');
    }
    await expectNothingChanged();
  });

  it("answers 404 to app one's key naming app two on its own resources", async () => {
    for (const route of idRoutes(two.appId)) {
      expectProblem(await route.call(one.client), 404, 'not-found');
    }
    await expectNothingChanged();
  });

  it('serves the operator naming the right app, and app one naming itself', async () => {
    const q = `?appId=${one.appId}`;
    expect((await gateway.admin.get(`/v1/subscriptions/${subscription.id}${q}`)).status).toBe(200);
    expect((await gateway.admin.get(`/v1/events/${eventId}${q}`)).status).toBe(200);
    expect((await gateway.admin.get(`/v1/deliveries/${deliveryId}${q}`)).status).toBe(200);
    expect((await one.client.get(`/v1/subscriptions/${subscription.id}/secret${q}`)).body.secret).toBe(subscription.secret);
    const patched = await gateway.admin.patch(`/v1/subscriptions/${subscription.id}${q}`, { description: 'renamed by the operator' });
    expect(patched.status).toBe(200);
    expect(patched.body.description).toBe('renamed by the operator');
    expect((await gateway.admin.patch(`/v1/subscriptions/${subscription.id}`, { description: 'one' })).status).toBe(200);
  });

  it('refuses an unknown query parameter on an id route with 422 naming it', async () => {
    const response = await gateway.admin.get(`/v1/subscriptions/${subscription.id}?app=${two.appId}`);
    expectProblem(response, 422, 'validation');
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual(['app']);
  });
});
