import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppWithKey, eventually, type ApiClient } from '../support/api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/embedded-platform.js';
import { TestReceiver } from '../support/receiver.js';

const EVENTS = {
  gold: { type: 'order.paid', data: { amount: 150, currency: 'EUR', customer: { tier: 'gold' }, tags: ['vip', 'eu'], items: [{ sku: 'a', qty: 2 }] } },
  silver: { type: 'order.paid', data: { amount: 50, currency: 'USD', customer: { tier: 'silver' }, tags: ['us'], items: [{ sku: 'b', qty: 1 }], note: 'Rush delivery' } },
  plain: { type: 'order.paid', data: { amount: 100, currency: 'GBP', tags: [] } },
} as const;
type EventName = keyof typeof EVENTS;

/** Each filter, and the events (by name) it must let through: no more, no fewer. */
const FILTER_CASES: { name: string; filter: Record<string, unknown>; expected: EventName[] }[] = [
  { name: 'eq', filter: { 'data.currency': { $eq: 'EUR' } }, expected: ['gold'] },
  { name: 'implicit-eq-nested', filter: { 'data.customer.tier': 'silver' }, expected: ['silver'] },
  { name: 'ne', filter: { 'data.currency': { $ne: 'EUR' } }, expected: ['silver', 'plain'] },
  { name: 'gt', filter: { 'data.amount': { $gt: 100 } }, expected: ['gold'] },
  { name: 'gte', filter: { 'data.amount': { $gte: 100 } }, expected: ['gold', 'plain'] },
  { name: 'lt', filter: { 'data.amount': { $lt: 100 } }, expected: ['silver'] },
  { name: 'lte', filter: { 'data.amount': { $lte: 100 } }, expected: ['silver', 'plain'] },
  { name: 'in', filter: { 'data.currency': { $in: ['EUR', 'GBP'] } }, expected: ['gold', 'plain'] },
  { name: 'nin', filter: { 'data.currency': { $nin: ['EUR', 'GBP'] } }, expected: ['silver'] },
  { name: 'exists', filter: { 'data.customer': { $exists: true } }, expected: ['gold', 'silver'] },
  { name: 'not-exists', filter: { 'data.note': { $exists: false } }, expected: ['gold', 'plain'] },
  { name: 'regex', filter: { 'data.note': { $regex: '^Rush' } }, expected: ['silver'] },
  { name: 'regex-options', filter: { 'data.note': { $regex: 'RUSH', $options: 'i' } }, expected: ['silver'] },
  { name: 'and', filter: { $and: [{ 'data.amount': { $gte: 50 } }, { 'data.currency': 'USD' }] }, expected: ['silver'] },
  { name: 'or', filter: { $or: [{ 'data.currency': 'EUR' }, { 'data.amount': { $lt: 60 } }] }, expected: ['gold', 'silver'] },
  { name: 'not', filter: { 'data.amount': { $not: { $gt: 60 } } }, expected: ['silver'] },
  { name: 'array-contains', filter: { 'data.tags': 'vip' }, expected: ['gold'] },
  { name: 'array-of-objects-path', filter: { 'data.items.sku': 'b' }, expected: ['silver'] },
  { name: 'elem-match', filter: { 'data.items': { $elemMatch: { sku: 'a', qty: { $gte: 2 } } } }, expected: ['gold'] },
  { name: 'size', filter: { 'data.tags': { $size: 0 } }, expected: ['plain'] },
  { name: 'all', filter: { 'data.tags': { $all: ['vip', 'eu'] } }, expected: ['gold'] },
  { name: 'missing-field-never-matches', filter: { 'data.customer.tier': { $in: ['gold', 'silver'] } }, expected: ['gold', 'silver'] },
  { name: 'envelope-fields', filter: { type: 'order.paid', id: { $regex: '^evt_' } }, expected: ['gold', 'silver', 'plain'] },
];

describe('embedded platform: subscription filters and transforms', () => {
  let platform: TestPlatform;
  let receiver: TestReceiver;
  let app: ApiClient;

  beforeAll(async () => {
    platform = await startTestPlatform();
    receiver = await new TestReceiver().start();
    app = (await createAppWithKey(platform.admin, 'shop')).client;
  });
  afterAll(async () => {
    await platform.stop();
    await receiver.close();
  });

  function receivedAt(path: string) {
    return receiver.requests.filter((request) => request.path === path);
  }

  it('delivers each event to exactly the subscriptions whose filter matches it', async () => {
    for (const { name, filter } of FILTER_CASES) {
      const created = await app.post('/v1/subscriptions', { url: `${receiver.url}/${name}`, events: ['order.*'], filter });
      expect(created.status, `${name}: ${JSON.stringify(created.body)}`).toBe(201);
    }
    const ids = new Map<string, EventName>();
    for (const [name, event] of Object.entries(EVENTS)) {
      const published = await app.post('/v1/events', event);
      expect(published.status).toBe(202);
      ids.set(published.body.id, name as EventName);
    }

    const total = FILTER_CASES.reduce((sum, entry) => sum + entry.expected.length, 0);
    await receiver.waitFor(total, 15_000);
    // Anything wrongly let through would arrive with the rest: give it the time to.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const { name, expected } of FILTER_CASES) {
      const got = receivedAt(`/${name}`).map((request) => ids.get(JSON.parse(request.body).id));
      expect(got.sort(), name).toEqual([...expected].sort());
    }
    expect(receiver.requests).toHaveLength(total);
  });

  it('sends the transform of the envelope as the body, signed as sent', async () => {
    const created = await app.post('/v1/subscriptions', {
      url: `${receiver.url}/transformed`,
      events: ['invoice.paid'],
      transform: '{"invoice": data.invoiceId, "cents": data.amount * 100, "kind": type, "eventId": id}',
    });
    expect(created.status).toBe(201);
    const published = await app.post('/v1/events', { type: 'invoice.paid', data: { invoiceId: 'inv-7', amount: 12.5 } });

    const request = await eventually(async () => receivedAt('/transformed')[0]);
    expect(JSON.parse(request.body)).toEqual({ invoice: 'inv-7', cents: 1250, kind: 'invoice.paid', eventId: published.body.id });
    expect(() => new Webhook(created.body.secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
  });

  it('makes a delivery dead when its transform fails on the event, and delivers to the others', async () => {
    const failing = await app.post('/v1/subscriptions', {
      url: `${receiver.url}/failing-transform`,
      events: ['refund.created'],
      transform: '{"amount": $number(data.amount)}',
    });
    expect(failing.status).toBe(201);
    const healthy = await app.post('/v1/subscriptions', { url: `${receiver.url}/healthy`, events: ['refund.created'] });
    expect(healthy.status).toBe(201);

    const published = await app.post('/v1/events', { type: 'refund.created', data: { amount: 'twelve' } });
    await eventually(async () => receivedAt('/healthy')[0]);
    const dead = await eventually(async () => {
      const list = await app.get(`/v1/deliveries?subscription=${failing.body.id}&status=dead`);
      return list.body.data?.[0];
    });
    expect(dead.eventId).toBe(published.body.id);
    expect(dead.lastError).toMatch(/transform failed/);
    const detail = await app.get(`/v1/deliveries/${dead.id}`);
    expect(detail.body.attempts).toHaveLength(1);
    expect(detail.body.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/transform failed/) });
    expect(receivedAt('/failing-transform')).toHaveLength(0);
  });
});
