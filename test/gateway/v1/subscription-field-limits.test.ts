import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../support/api-client.js';
import { expectProblem, startGateway, subscriptionBody, type GatewayHarness } from '../gateway-harness.js';

/**
 * Issue 11: values that can never work were accepted at creation and then misbehaved on every
 * delivery: `rateLimit.perSecond: 1e-300` (deliveries pending for ever after `RangeError: Invalid
 * time value`), header values with control characters and the `Expect` header (every attempt
 * refused by undici). Each is now a 422 naming the field, on creation and on PATCH.
 */
describe('subscription fields that cannot work are refused with 422', () => {
  let gateway: GatewayHarness;
  let app: ApiClient;

  beforeAll(async () => {
    gateway = await startGateway();
    app = (await gateway.createApp('shop')).client;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  async function subscriptionIds(): Promise<string[]> {
    return ((await app.get('/v1/subscriptions')).body.data as { id: string }[]).map((subscription) => subscription.id);
  }

  /**
   * Creating with the fields, and patching a subscription of this test with them: each a 422
   * naming `paths`, and nothing created or changed.
   */
  async function expectRefused(fields: Record<string, unknown>, paths: string[]): Promise<void> {
    const valid = { description: 'before', rateLimit: { perSecond: 5 }, headers: { 'x-team': 'a' } };
    const existing = (await app.post('/v1/subscriptions', subscriptionBody(valid))).body as { id: string };
    const before = await subscriptionIds();
    const created = await app.post('/v1/subscriptions', subscriptionBody(fields));
    expectProblem(created, 422, 'validation');
    expect(created.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([...paths].sort());
    const patched = await app.patch(`/v1/subscriptions/${existing.id}`, { description: 'after', ...fields });
    expectProblem(patched, 422, 'validation');
    expect(patched.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([...paths].sort());

    expect(await subscriptionIds()).toEqual(before);
    expect((await app.get(`/v1/subscriptions/${existing.id}`)).body).toMatchObject(valid);
    expect((await app.delete(`/v1/subscriptions/${existing.id}`)).status).toBe(204);
  }

  async function expectAccepted(fields: Record<string, unknown>): Promise<void> {
    const created = await app.post('/v1/subscriptions', subscriptionBody(fields));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject(fields);
    expect((await app.delete(`/v1/subscriptions/${created.body.id}`)).status).toBe(204);
  }

  describe('rateLimit.perSecond outside 0.01 to 10000', () => {
    it.each([1e-300, 1e-9, 0.001, 0.0099, 10_000.5, 1e300, -1, 0])('refuses %s', async (perSecond) => {
      await expectRefused({ rateLimit: { perSecond } }, ['rateLimit.perSecond']);
    });

    it.each([0.01, 0.5, 10_000])('accepts %s', async (perSecond) => {
      await expectAccepted({ rateLimit: { perSecond } });
    });
  });

  describe('header values that are not an RFC 9110 field-value', () => {
    it.each([
      ['a control character', 'a\u0001b'],
      ['DEL', 'a\u007fb'],
      ['a NUL', 'a\u0000b'],
      ['a line break', 'a\r\nx-injected: 1'],
      ['a bare LF', 'a\nb'],
      ['leading whitespace', ' a'],
      ['trailing whitespace', 'a\t'],
      ['a character beyond Latin-1', 'price: 5 \u20ac'],
    ])('refuses %s', async (_name, value) => {
      await expectRefused({ headers: { 'x-ok': 'fine', 'x-bad': value } }, ['headers.x-bad']);
    });

    it('accepts visible ASCII, inner spaces and tabs, obs-text and an empty value', async () => {
      await expectAccepted({ headers: { 'x-words': 'a b\tc', 'x-symbols': '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'x-obs': 'caf\u00e9', 'x-empty': '' } });
    });
  });

  describe('header names hookgate or its HTTP client owns', () => {
    it.each([
      'Expect',
      'expect',
      'Upgrade',
      'Connection',
      'Keep-Alive',
      'Transfer-Encoding',
      'TE',
      'Trailer',
      'Host',
      'Content-Length',
      'Content-Type',
      'Content-Encoding',
      'User-Agent',
      'Proxy-Authorization',
      'HTTP2-Settings',
      'traceparent',
      'Webhook-Id',
    ])('refuses %s', async (name) => {
      await expectRefused({ headers: { [name]: 'x' } }, [`headers.${name}`]);
    });

    it('refuses __proto__, which would vanish from the stored headers', async () => {
      const existing = (await app.post('/v1/subscriptions', subscriptionBody({ headers: { 'x-team': 'a' } }))).body as { id: string };
      const before = await subscriptionIds();
      const body = `{"url": "https://hooks.example.com/h", "events": ["order.*"], "headers": {"__proto__": "x", "x-ok": "y"}}`;
      const created = await app.call('POST', '/v1/subscriptions', body);
      expectProblem(created, 422, 'validation');
      expect(created.body.errors.map((error: { path: string }) => error.path)).toEqual(['headers.__proto__']);
      const patched = await app.call('PATCH', `/v1/subscriptions/${existing.id}`, `{"headers": {"__proto__": "x"}}`);
      expectProblem(patched, 422, 'validation');
      expect(patched.body.errors.map((error: { path: string }) => error.path)).toEqual(['headers.__proto__']);
      expect(await subscriptionIds()).toEqual(before);
      expect((await app.get(`/v1/subscriptions/${existing.id}`)).body.headers).toEqual({ 'x-team': 'a' });
      expect((await app.delete(`/v1/subscriptions/${existing.id}`)).status).toBe(204);
    });

    it('refuses a name that is not an RFC 9110 token', async () => {
      await expectRefused({ headers: { 'x bad': 'x', 'x:colon': 'y' } }, ['headers.x bad', 'headers.x:colon']);
    });
  });
});
