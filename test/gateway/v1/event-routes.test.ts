import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../support/api-client.js';
import { expectProblem, startGateway, type GatewayHarness } from '../gateway-harness.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('gateway /v1/events', () => {
  let gateway: GatewayHarness;
  let app: ApiClient;
  let appId: string;

  beforeEach(async () => {
    gateway = await startGateway();
    ({ appId, client: app } = await gateway.createApp('shop'));
  });
  afterEach(async () => {
    await gateway.stop();
  });

  it('accepts an event with 202 once queued, with its trace context and envelope', async () => {
    const published = await app.call('POST', '/v1/events', { type: 'order.paid', data: { amount: 42 }, occurredAt: '2026-11-23T11:00:00+01:00' }, { traceparent: TRACEPARENT });
    expect(published.status).toBe(202);
    expect(published.body).toMatchObject({ appId, type: 'order.paid', data: { amount: 42 }, occurredAt: '2026-11-23T10:00:00.000Z' });
    expect(published.body.id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(published.headers.get('idempotent-replayed')).toBeNull();

    const [message] = await gateway.takeMessages('events', 1);
    expect(message).toEqual({
      v: 1,
      appId,
      event: { id: published.body.id, type: 'order.paid', timestamp: '2026-11-23T10:00:00.000Z', data: { amount: 42 } },
      receivedAt: published.body.receivedAt,
      traceparent: TRACEPARENT,
    });

    const read = await app.get(`/v1/events/${published.body.id}`);
    expect(read.body).toEqual({ ...published.body, deliveries: [] });
  });

  it('drops an invalid traceparent instead of carrying it onto the webhooks', async () => {
    const zeroTrace = '00-00000000000000000000000000000000-00f067aa0ba902b7-01';
    for (const traceparent of ['garbage', zeroTrace]) {
      expect((await app.call('POST', '/v1/events', { type: 'order.paid', data: {} }, { traceparent })).status).toBe(202);
    }
    const messages = await gateway.takeMessages('events', 2);
    for (const message of messages) expect(message).not.toHaveProperty('traceparent');
  });

  it('publishes an event once for a repeated Idempotency-Key and answers the first event', async () => {
    const headers = { 'idempotency-key': 'order-1-paid' };
    const first = await app.call('POST', '/v1/events', { type: 'order.paid', data: { n: 1 } }, headers);
    const second = await app.call('POST', '/v1/events', { type: 'order.paid', data: { n: 2 } }, headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.body.idempotencyKey).toBe('order-1-paid');
    expect(second.headers.get('idempotent-replayed')).toBe('true');

    expect((await app.get('/v1/events')).body.data).toHaveLength(1);
    expect(await gateway.broker.depth('events')).toBe(1);
  });

  it("uses the body's id as the idempotency key when no header is sent", async () => {
    const first = await app.post('/v1/events', { id: 'evt-from-publisher-7', type: 'order.paid', data: {} });
    const again = await app.post('/v1/events', { id: 'evt-from-publisher-7', type: 'order.paid', data: {} });
    const other = await app.post('/v1/events', { id: 'evt-from-publisher-8', type: 'order.paid', data: {} });
    expect(again.body.id).toBe(first.body.id);
    expect(other.body.id).not.toBe(first.body.id);
    expect(await gateway.broker.depth('events')).toBe(2);
  });

  it('accepts a batch in order, and stores none of it when one event is invalid', async () => {
    const events = ['order.paid', 'order.shipped', 'invoice.paid'].map((type) => ({ type, data: { type } }));
    const batch = await app.post('/v1/events:batch', { events });
    expect(batch.status).toBe(202);
    expect(batch.body.data.map((event: { type: string }) => event.type)).toEqual(['order.paid', 'order.shipped', 'invoice.paid']);
    expect(await gateway.broker.depth('events')).toBe(3);

    const bad = [...events, { type: 'refund.created', data: {} }, { type: 'bad type!', data: {} }];
    const refused = await app.post('/v1/events:batch', { events: bad });
    expectProblem(refused, 422, 'validation');
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'events.4.type' })]);
    expect((await app.get('/v1/events')).body.data).toHaveLength(3);
    expect(await gateway.broker.depth('events')).toBe(3);

    const tooMany = await app.post('/v1/events:batch', { events: Array.from({ length: 501 }, () => ({ type: 'a.b', data: {} })) });
    expectProblem(tooMany, 422, 'validation');
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ path: 'events' })]);
    expect((await app.get('/v1/events')).body.data).toHaveLength(3);
  });

  it('lists events by type and time, paged', async () => {
    for (let index = 0; index < 3; index++) await app.post('/v1/events', { type: 'order.paid', data: { index } });
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await app.post('/v1/events', { type: 'invoice.paid', data: {} });

    expect((await app.get('/v1/events?type=order.paid')).body.data).toHaveLength(3);
    const after = await app.get(`/v1/events?after=${encodeURIComponent(middle)}`);
    expect(after.body.data.map((event: { type: string }) => event.type)).toEqual(['invoice.paid']);

    const firstPage = await app.get('/v1/events?limit=3');
    expect(firstPage.body.data).toHaveLength(3);
    const secondPage = await app.get(`/v1/events?limit=3&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body.data).toHaveLength(1);
    expect(secondPage.body.nextCursor).toBeNull();
  });

  it('answers 503 problem with Retry-After, not 202, when the broker cannot confirm', async () => {
    await gateway.closeBroker();
    const refused = await app.call('POST', '/v1/events', { type: 'order.paid', data: {} }, { 'idempotency-key': 'k-1' });
    expectProblem(refused, 503, 'unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expectProblem(await app.post('/v1/events:batch', { events: [{ type: 'order.paid', data: {} }] }), 503, 'unavailable');
  });
});
