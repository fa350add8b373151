import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppWithKey, eventually, type ApiClient } from '../support/api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/embedded-platform.js';
import { TestReceiver } from '../support/receiver.js';

function verify(secret: string, request: { headers: Record<string, unknown>; body: string }): unknown {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
}

describe('embedded platform: publish to receipt', () => {
  let platform: TestPlatform;
  let receiver: TestReceiver;
  let app: ApiClient;

  beforeEach(async () => {
    platform = await startTestPlatform();
    receiver = await new TestReceiver().start();
    app = (await createAppWithKey(platform.admin, 'shop')).client;
  });

  afterEach(async () => {
    await platform.stop();
    await receiver.close();
  });

  async function subscribe(events = ['order.*']): Promise<{ id: string; secret: string }> {
    const created = await app.post('/v1/subscriptions', { url: receiver.url + '/hooks', events });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    return created.body;
  }

  async function deliveryOf(eventId: string, status: string) {
    return eventually(async () => {
      const list = await app.get(`/v1/deliveries?event=${eventId}&status=${status}`);
      return list.body.data?.[0];
    });
  }

  it('delivers an event signed so that the standardwebhooks package verifies it', async () => {
    const subscription = await subscribe();
    const published = await app.post('/v1/events', { type: 'order.paid', data: { orderId: 'o-1', amount: 42 } });
    expect(published.status).toBe(202);
    expect(published.body.id).toMatch(/^evt_/);

    await receiver.waitFor(1);
    const request = receiver.requests[0]!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/^hookgate\//);
    expect(request.headers['webhook-id']).toMatch(/^dlv_/);
    const payload = verify(subscription.secret, request) as Record<string, unknown>;
    expect(payload).toMatchObject({ id: published.body.id, type: 'order.paid', data: { orderId: 'o-1', amount: 42 } });

    const delivery = await deliveryOf(published.body.id, 'succeeded');
    const detail = await app.get(`/v1/deliveries/${delivery.id}`);
    expect(detail.body.attempts).toHaveLength(1);
    expect(detail.body.attempts[0].statusCode).toBe(200);
  });

  it('signs with both secrets while a rotation is in its grace period; each verifies alone', async () => {
    const subscription = await subscribe();
    const rotated = await app.post(`/v1/subscriptions/${subscription.id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(subscription.secret);

    await app.post('/v1/events', { type: 'order.paid', data: {} });
    await receiver.waitFor(1);
    const request = receiver.requests[0]!;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => verify(subscription.secret, request)).not.toThrow();
    expect(() => verify(rotated.body.secret, request)).not.toThrow();
    expect(() => verify('whsec_' + Buffer.alloc(24, 7).toString('base64'), request)).toThrow();
  });

  it('retries a failing receiver with the same webhook-id until it succeeds, recording every attempt', async () => {
    receiver.respond = (_request, index) => (index < 2 ? { status: 500, body: 'down' } : { status: 200, body: 'ok' });
    await subscribe();
    const published = await app.post('/v1/events', { type: 'order.paid', data: { n: 1 } });

    await receiver.waitFor(3);
    const ids = new Set(receiver.requests.map((request) => request.headers['webhook-id']));
    expect(ids.size).toBe(1);

    const delivery = await deliveryOf(published.body.id, 'succeeded');
    const detail = await eventually(async () => {
      const found = await app.get(`/v1/deliveries/${delivery.id}`);
      return found.body.attempts.length === 3 ? found.body : undefined;
    });
    expect(detail.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 500, 200]);
    expect(detail.attemptCount).toBe(3);
  });

  it('marks a delivery dead after the last retry of the schedule', async () => {
    receiver.respond = () => ({ status: 503, body: 'nope' });
    await subscribe();
    const published = await app.post('/v1/events', { type: 'order.paid', data: {} });

    const dead = await deliveryOf(published.body.id, 'dead');
    const detail = await app.get(`/v1/deliveries/${dead.id}`);
    // One first attempt plus one per entry of the three-entry test schedule.
    expect(detail.body.attempts).toHaveLength(4);
    expect(receiver.requests).toHaveLength(4);
  });

  it('publishes one event and makes one delivery for the same idempotency key', async () => {
    await subscribe();
    const first = await app.post('/v1/events', { type: 'order.paid', data: { n: 1 } }, { 'idempotency-key': 'pay-1' });
    const second = await app.post('/v1/events', { type: 'order.paid', data: { n: 2 } }, { 'idempotency-key': 'pay-1' });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);

    await receiver.waitFor(1);
    await deliveryOf(first.body.id, 'succeeded');
    const events = await app.get('/v1/events');
    expect(events.body.data).toHaveLength(1);
    const deliveries = await app.get('/v1/deliveries');
    expect(deliveries.body.data).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('disables the subscription when the receiver answers 410 Gone', async () => {
    receiver.respond = () => ({ status: 410 });
    const subscription = await subscribe();
    const published = await app.post('/v1/events', { type: 'order.paid', data: {} });
    await deliveryOf(published.body.id, 'dead');
    const disabled = await eventually(async () => {
      const found = await app.get(`/v1/subscriptions/${subscription.id}`);
      return found.body.enabled === false ? found.body : undefined;
    });
    expect(disabled.enabled).toBe(false);
    expect(receiver.requests).toHaveLength(1);
  });

  it('delivers a failed delivery again on manual retry, with the same webhook-id', async () => {
    receiver.respond = (_request, index) => (index < 4 ? { status: 500 } : { status: 200 });
    await subscribe();
    const published = await app.post('/v1/events', { type: 'order.paid', data: {} });
    const dead = await deliveryOf(published.body.id, 'dead');

    const retried = await app.post(`/v1/deliveries/${dead.id}/retry`);
    expect(retried.status).toBe(202);
    await receiver.waitFor(5);
    await deliveryOf(published.body.id, 'succeeded');
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
  });

  it('replays events since a time to a subscription as new deliveries', async () => {
    const subscription = await subscribe(['invoice.#']);
    const since = new Date(Date.now() - 1000).toISOString();
    await app.post('/v1/events', { type: 'invoice.created', data: { n: 1 } });
    await app.post('/v1/events', { type: 'order.paid', data: { n: 2 } });
    await receiver.waitFor(1);

    const replay = await app.post(`/v1/subscriptions/${subscription.id}/replay`, { since });
    expect(replay.status).toBe(202);
    await receiver.waitFor(2);
    const types = receiver.requests.map((request) => JSON.parse(request.body).type);
    expect(types).toEqual(['invoice.created', 'invoice.created']);
    expect(receiver.requests[0]!.headers['webhook-id']).not.toBe(receiver.requests[1]!.headers['webhook-id']);
  });
});
