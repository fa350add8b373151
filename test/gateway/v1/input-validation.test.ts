import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../support/api-client.js';
import { expectProblem, startGateway, subscriptionBody, type GatewayHarness } from '../gateway-harness.js';

interface InvalidCase {
  name: string;
  method: 'POST' | 'PATCH';
  path: string;
  /** A string is sent as is (for broken JSON). */
  body: unknown;
  status: number;
  slug: string;
  /** Every path the problem's errors must name. */
  paths: string[];
}

const cases: InvalidCase[] = [
  { name: 'bad JSON', method: 'POST', path: '/v1/subscriptions', body: '{"url": "https://x.example.com",', status: 400, slug: 'malformed-request', paths: ['(body)'] },
  { name: 'a JSON string instead of an object', method: 'POST', path: '/v1/subscriptions', body: '"just text"', status: 400, slug: 'malformed-request', paths: ['(body)'] },
  { name: 'missing url and events', method: 'POST', path: '/v1/subscriptions', body: {}, status: 422, slug: 'validation', paths: ['url', 'events'] },
  {
    name: 'wrong types',
    method: 'POST',
    path: '/v1/subscriptions',
    body: { url: 42, events: 'order.*', enabled: 'yes', filter: ['x'] },
    status: 422,
    slug: 'validation',
    paths: ['url', 'events', 'enabled', 'filter'],
  },
  { name: 'unknown pattern syntax order.**', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ events: ['order.paid', 'order.**'] }), status: 422, slug: 'validation', paths: ['events.1'] },
  { name: 'no event patterns', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ events: [] }), status: 422, slug: 'validation', paths: ['events'] },
  { name: 'cloud metadata URL', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ url: 'https://169.254.169.254/latest/meta-data' }), status: 422, slug: 'validation', paths: ['url'] },
  { name: 'private network URL', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ url: 'https://10.0.0.1/hooks' }), status: 422, slug: 'validation', paths: ['url'] },
  { name: 'an unknown filter operator', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ filter: { 'data.amount': { $gte: 1, $near: 3 } } }), status: 422, slug: 'validation', paths: ['filter.data.amount.$near'] },
  { name: 'a filter that runs code ($where)', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ filter: { $where: 'this.data.x > 1' } }), status: 422, slug: 'validation', paths: ['filter.$where'] },
  { name: 'a filter regex that does not compile', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ filter: { type: { $regex: 'order.(paid' } } }), status: 422, slug: 'validation', paths: ['filter.type.$regex'] },
  // Nested quantifiers are safe on RE2 (linear time); what it cannot run is refused instead.
  { name: 'a filter regex with a back-reference', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ filter: { 'data.s': { $regex: '^(a+)\\1$' } } }), status: 422, slug: 'validation', paths: ['filter.data.s.$regex'] },
  { name: 'a filter $in that is not an array', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ filter: { 'data.currency': { $in: 'EUR' } } }), status: 422, slug: 'validation', paths: ['filter.data.currency.$in'] },
  { name: 'a transform with a syntax error', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ transform: '{"id": id,' }), status: 422, slug: 'validation', paths: ['transform'] },
  { name: 'not a URL', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ url: 'hooks please' }), status: 422, slug: 'validation', paths: ['url'] },
  { name: 'an unknown field', method: 'POST', path: '/v1/subscriptions', body: subscriptionBody({ colour: 'red' }), status: 422, slug: 'validation', paths: ['colour'] },
  {
    name: 'hop-by-hop and webhook-* headers',
    method: 'POST',
    path: '/v1/subscriptions',
    body: subscriptionBody({ headers: { Connection: 'close', 'webhook-signature': 'v1,forged', 'x-team': 7 } }),
    status: 422,
    slug: 'validation',
    paths: ['headers.Connection', 'headers.webhook-signature', 'headers.x-team'],
  },
  {
    name: 'bad merge and rate limit',
    method: 'POST',
    path: '/v1/subscriptions',
    body: subscriptionBody({ merge: { key: 'data.orderId', windowMs: -5 }, rateLimit: { perSecond: 0 } }),
    status: 422,
    slug: 'validation',
    paths: ['merge.windowMs', 'rateLimit.perSecond'],
  },
  { name: 'event type with a space', method: 'POST', path: '/v1/events', body: { type: 'order paid', data: {} }, status: 422, slug: 'validation', paths: ['type'] },
  { name: "an event type in the platform's own namespace", method: 'POST', path: '/v1/events', body: { type: 'hookgate.subscription.disabled', data: {} }, status: 422, slug: 'validation', paths: ['type'] },
  { name: 'event without data', method: 'POST', path: '/v1/events', body: { type: 'order.paid' }, status: 422, slug: 'validation', paths: ['data'] },
  { name: 'event with a bad occurredAt', method: 'POST', path: '/v1/events', body: { type: 'order.paid', data: {}, occurredAt: 'yesterday' }, status: 422, slug: 'validation', paths: ['occurredAt'] },
  { name: 'bad JSON event', method: 'POST', path: '/v1/events', body: '{type: order.paid}', status: 400, slug: 'malformed-request', paths: ['(body)'] },
];

describe('gateway input validation', () => {
  let gateway: GatewayHarness;
  let app: ApiClient;

  beforeEach(async () => {
    gateway = await startGateway({ env: { HOOKGATE_ALLOW_PRIVATE_URLS: 'false' } });
    app = (await gateway.createApp('shop')).client;
  });
  afterEach(async () => {
    await gateway.stop();
  });

  async function expectNothingChanged(): Promise<void> {
    expect((await app.get('/v1/subscriptions')).body.data).toEqual([]);
    expect((await app.get('/v1/events')).body.data).toEqual([]);
    expect(await gateway.broker.depth('events')).toBe(0);
  }

  it.each(cases)('refuses $name with a $status problem naming the fields, and stores nothing', async (invalid) => {
    const response = await app.call(invalid.method, invalid.path, invalid.body);
    expectProblem(response, invalid.status, invalid.slug);
    const paths = (response.body.errors as { path: string; message: string }[]).map((error) => error.path);
    expect(paths.sort()).toEqual([...invalid.paths].sort());
    for (const error of response.body.errors) expect(error.message).toEqual(expect.any(String));
    await expectNothingChanged();
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await app.call('POST', '/v1/subscriptions', 'url=https://x.example.com', { 'content-type': 'application/x-www-form-urlencoded' });
    expectProblem(response, 415, 'unsupported-media-type');
    await expectNothingChanged();
  });

  it('refuses a body over HOOKGATE_MAX_BODY_BYTES with 413', async () => {
    const small = await startGateway({ env: { HOOKGATE_MAX_BODY_BYTES: '1024' } });
    try {
      const client = (await small.createApp('shop')).client;
      const response = await client.post('/v1/events', { type: 'order.paid', data: { blob: 'x'.repeat(2048) } });
      expectProblem(response, 413, 'payload-too-large');
      expect((await client.get('/v1/events')).body.data).toEqual([]);
    } finally {
      await small.stop();
    }
  });

  it('refuses bad query parameters with 422 naming them', async () => {
    const response = await app.get('/v1/subscriptions?limit=0&colour=red');
    expectProblem(response, 422, 'validation');
    expect(response.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['colour', 'limit']);
    expectProblem(await app.get('/v1/deliveries?status=lost'), 422, 'validation');
  });

  it('leaves a subscription unchanged when a PATCH is invalid', async () => {
    const created = await app.post('/v1/subscriptions', subscriptionBody({ description: 'before' }));
    const response = await app.patch(`/v1/subscriptions/${created.body.id}`, { description: 'after', events: ['order.**'] });
    expectProblem(response, 422, 'validation');
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'events.0' })]);
    const badFilter = await app.patch(`/v1/subscriptions/${created.body.id}`, { description: 'after', filter: { $or: [] } });
    expectProblem(badFilter, 422, 'validation');
    expect(badFilter.body.errors).toEqual([expect.objectContaining({ path: 'filter.$or' })]);
    const current = await app.get(`/v1/subscriptions/${created.body.id}`);
    expect(current.body).toMatchObject({ description: 'before', events: ['order.*'] });
    expect(current.body.filter).toBeUndefined();
  });
});
