import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectProblem, startGateway, subscriptionBody, type GatewayHarness } from '../gateway-harness.js';

describe('gateway authentication', () => {
  let gateway: GatewayHarness;

  beforeEach(async () => {
    gateway = await startGateway();
  });
  afterEach(async () => {
    await gateway.stop();
  });

  it('answers 401 with WWW-Authenticate: Bearer without a credential or with a wrong one', async () => {
    const missing = await gateway.anonymous.get('/v1/subscriptions');
    expectProblem(missing, 401, 'unauthorized');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');

    for (const token of ['not-the-admin-token', 'hg_never-issued-key', `${'x'.repeat(40)}`]) {
      const wrong = await gateway.anonymous.withToken(token).get('/v1/subscriptions');
      expectProblem(wrong, 401, 'unauthorized');
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    }

    const notBearer = await gateway.anonymous.call('GET', '/v1/apps', undefined, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    expectProblem(notBearer, 401, 'unauthorized');
  });

  it('lets the operator manage apps and keys, and forbids that to an app key (403)', async () => {
    const { appId, client } = await gateway.createApp('shop');
    expect((await gateway.admin.get('/v1/apps')).status).toBe(200);

    expectProblem(await client.get('/v1/apps'), 403, 'forbidden');
    expectProblem(await client.post('/v1/apps', { name: 'mine now' }), 403, 'forbidden');
    expectProblem(await client.get(`/v1/apps/${appId}/keys`), 403, 'forbidden');
    expectProblem(await client.post(`/v1/apps/${appId}/keys`), 403, 'forbidden');
    expect((await gateway.admin.get('/v1/apps')).body.data).toHaveLength(1);
  });

  it('lets an app key use its own API: 200 on subscriptions, events and deliveries', async () => {
    const { client } = await gateway.createApp('shop');
    expect((await client.get('/v1/subscriptions')).status).toBe(200);
    expect((await client.get('/v1/events')).status).toBe(200);
    expect((await client.get('/v1/deliveries')).status).toBe(200);
    expect((await client.post('/v1/subscriptions', subscriptionBody())).status).toBe(201);
  });

  it('issues keys shown once, lists them without secrets, and a revoked key stops working', async () => {
    const { appId, client, key } = await gateway.createApp('shop');
    const created = await gateway.admin.post(`/v1/apps/${appId}/keys`);
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['createdAt', 'id', 'key', 'prefix']);
    expect(created.body.key).toMatch(/^hg_/);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 10));

    const listed = await gateway.admin.get(`/v1/apps/${appId}/keys`);
    expect(listed.body.data).toHaveLength(2);
    const listedText = JSON.stringify(listed.body);
    expect(listedText).not.toContain(key);
    expect(listedText).not.toContain(created.body.key);
    expect(listed.body.data[0]).not.toHaveProperty('hash');

    const keyId = listed.body.data.find((item: { prefix: string }) => item.prefix === key.slice(0, 10)).id;
    expect((await gateway.admin.delete(`/v1/apps/${appId}/keys/${keyId}`)).status).toBe(204);
    expectProblem(await client.get('/v1/subscriptions'), 401, 'unauthorized');
    expect((await client.withToken(created.body.key).get('/v1/subscriptions')).status).toBe(200);
  });

  it('deleting an app revokes its keys and removes it', async () => {
    const { appId, client } = await gateway.createApp('shop');
    // Used once first, so the gateway's brief key cache holds it and the deletion must clear it.
    expect((await client.get('/v1/subscriptions')).status).toBe(200);
    expect((await gateway.admin.delete(`/v1/apps/${appId}`)).status).toBe(204);
    expectProblem(await client.get('/v1/subscriptions'), 401, 'unauthorized');
    expectProblem(await gateway.admin.get(`/v1/apps/${appId}`), 404, 'not-found');
    expectProblem(await gateway.admin.delete(`/v1/apps/${appId}`), 404, 'not-found');
  });
});
