import { afterEach, describe, expect, it } from 'vitest';
import { createAppWithKey, eventually, type ApiClient } from '../support/api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/embedded-platform.js';
import { TestReceiver } from '../support/receiver.js';

describe('embedded platform: disabling an endpoint that keeps failing', () => {
  let platform: TestPlatform | undefined;
  let receiver: TestReceiver | undefined;
  afterEach(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  async function setUp(env: Record<string, string>): Promise<{ app: ApiClient; receiver: TestReceiver }> {
    platform = await startTestPlatform({ HOOKGATE_RETRY_SCHEDULE: '50ms', ...env });
    receiver = await new TestReceiver().start();
    receiver.respond = (request) => (request.path === '/down' ? { status: 500 } : { status: 200 });
    return { app: (await createAppWithKey(platform.admin, 'shop')).client, receiver };
  }

  async function deadDeliveries(app: ApiClient, subscriptionId: string, count: number): Promise<void> {
    await eventually(async () => {
      const list = await app.get(`/v1/deliveries?subscription=${subscriptionId}&status=dead`);
      return list.body.data.length >= count ? true : undefined;
    });
  }

  it('disables after HOOKGATE_DISABLE_AFTER_DEAD dead deliveries in a row and announces it to the app', async () => {
    const { app, receiver } = await setUp({ HOOKGATE_DISABLE_AFTER_DEAD: '3' });
    const failing = await app.post('/v1/subscriptions', { url: `${receiver.url}/down`, events: ['order.*'] });
    const ops = await app.post('/v1/subscriptions', { url: `${receiver.url}/ops`, events: ['hookgate.subscription.disabled'] });
    expect([failing.status, ops.status]).toEqual([201, 201]);

    for (let n = 0; n < 2; n++) await app.post('/v1/events', { type: 'order.paid', data: { n } });
    await deadDeliveries(app, failing.body.id, 2);
    // A success in between starts the count again.
    receiver.respond = () => ({ status: 200 });
    await app.post('/v1/events', { type: 'order.paid', data: { n: 2 } });
    await eventually(async () => ((await app.get(`/v1/deliveries?subscription=${failing.body.id}&status=succeeded`)).body.data[0]));
    receiver.respond = (request) => (request.path === '/down' ? { status: 500 } : { status: 200 });
    for (let n = 3; n < 5; n++) await app.post('/v1/events', { type: 'order.paid', data: { n } });
    await deadDeliveries(app, failing.body.id, 4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await app.get(`/v1/subscriptions/${failing.body.id}`)).body.enabled).toBe(true);

    await app.post('/v1/events', { type: 'order.paid', data: { n: 5 } });
    const disabled = await eventually(async () => {
      const found = await app.get(`/v1/subscriptions/${failing.body.id}`);
      return found.body.enabled === false ? found.body : undefined;
    });
    expect(disabled.disabledReason).toMatch(/3 deliveries in a row ended dead/);

    const notice = await eventually(async () => receiver.requests.find((request) => request.path === '/ops'));
    expect(JSON.parse(notice.body)).toMatchObject({
      type: 'hookgate.subscription.disabled',
      data: { subscriptionId: failing.body.id, url: `${receiver.url}/down`, reason: disabled.disabledReason },
    });
    const before = receiver.requests.filter((request) => request.path === '/down').length;
    await app.post('/v1/events', { type: 'order.paid', data: { n: 6 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.filter((request) => request.path === '/down')).toHaveLength(before);
    expect(receiver.requests.filter((request) => request.path === '/ops')).toHaveLength(1);
  });

  it('disables an endpoint that has failed for longer than HOOKGATE_DISABLE_AFTER_FAILING', async () => {
    const { app, receiver } = await setUp({ HOOKGATE_DISABLE_AFTER_FAILING: '1s' });
    const failing = await app.post('/v1/subscriptions', { url: `${receiver.url}/down`, events: ['order.*'] });
    await app.post('/v1/events', { type: 'order.paid', data: { n: 1 } });
    await deadDeliveries(app, failing.body.id, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await app.get(`/v1/subscriptions/${failing.body.id}`)).body.enabled).toBe(true);

    await app.post('/v1/events', { type: 'order.paid', data: { n: 2 } });
    const disabled = await eventually(async () => {
      const found = await app.get(`/v1/subscriptions/${failing.body.id}`);
      return found.body.enabled === false ? found.body : undefined;
    });
    expect(disabled.disabledReason).toMatch(/failed every delivery since/);
  });
});
