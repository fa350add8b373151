import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../support/api-client.js';
import { expectProblem, startGateway, subscriptionBody, type GatewayHarness } from '../gateway-harness.js';

describe('gateway /v1/subscriptions', () => {
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

  it('creates a subscription with every option, shows its secret once and keeps it encrypted', async () => {
    const body = subscriptionBody({
      events: ['order.*', 'invoice.paid', '#'],
      filter: { 'data.amount': { $gte: 100 } },
      merge: { key: 'data.orderId', windowMs: 5000 },
      transform: '{"id": id}',
      rateLimit: { perSecond: 5 },
      headers: { 'x-team': 'payments' },
      description: 'orders to the warehouse',
    });
    const created = await app.post('/v1/subscriptions', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...body, appId, enabled: true });
    expect(created.body.id).toMatch(/^sub_[0-9A-Z]{26}$/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);

    const read = await app.get(`/v1/subscriptions/${created.body.id}`);
    expect(read.body).not.toHaveProperty('secret');
    expect(JSON.stringify(read.body)).not.toContain(created.body.secret);

    const sealed = await gateway.storage.subscriptions.getSecrets(created.body.id);
    expect(sealed!.current).not.toContain(created.body.secret.slice(6));
    expect(gateway.secretBox.decrypt(sealed!.current)).toBe(created.body.secret);
    expect((await app.get(`/v1/subscriptions/${created.body.id}/secret`)).body).toEqual({ secret: created.body.secret });
  });

  it('pages through subscriptions with limit and cursor', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push((await app.post('/v1/subscriptions', subscriptionBody({ description: `s${index}` }))).body.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await app.get(
        `/v1/subscriptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((item) => item.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(ids.sort());

    const all = await app.get('/v1/subscriptions');
    expect(all.body.data).toHaveLength(5);
    expect(all.body.nextCursor).toBeNull();
  });

  it('patches fields, clears optional ones with null and deletes', async () => {
    const created = await app.post('/v1/subscriptions', subscriptionBody({ description: 'old', rateLimit: { perSecond: 2 } }));
    const patched = await app.patch(`/v1/subscriptions/${created.body.id}`, { description: null, events: ['invoice.*'], enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['invoice.*'], enabled: false, rateLimit: { perSecond: 2 } });
    expect(patched.body).not.toHaveProperty('description');
    expect(patched.body.updatedAt >= created.body.updatedAt).toBe(true);

    expect((await app.delete(`/v1/subscriptions/${created.body.id}`)).status).toBe(204);
    expectProblem(await app.get(`/v1/subscriptions/${created.body.id}`), 404, 'not-found');
    expectProblem(await app.delete(`/v1/subscriptions/${created.body.id}`), 404, 'not-found');
    expectProblem(await app.get('/v1/subscriptions/not-an-id'), 404, 'not-found');
  });

  it('rotates the secret: a new current one, the old one kept until previousExpiresAt', async () => {
    const created = await app.post('/v1/subscriptions', subscriptionBody());
    const before = Date.now();
    const rotated = await app.post(`/v1/subscriptions/${created.body.id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const expiresIn = Date.parse(rotated.body.previousExpiresAt) - before;
    expect(expiresIn).toBeGreaterThanOrEqual(gateway.config.secretRotationGraceMs);
    expect(expiresIn).toBeLessThan(gateway.config.secretRotationGraceMs + 60_000);

    expect((await app.get(`/v1/subscriptions/${created.body.id}/secret`)).body.secret).toBe(rotated.body.secret);
    const sealed = await gateway.storage.subscriptions.getSecrets(created.body.id);
    expect(gateway.secretBox.decrypt(sealed!.previous!)).toBe(created.body.secret);
    expect(sealed!.previousExpiresAt).toBe(rotated.body.previousExpiresAt);
  });

  it('replays the matching events since a time to this subscription only, under one replay id', async () => {
    const subscription = (await app.post('/v1/subscriptions', subscriptionBody({ events: ['order.*'] }))).body;
    const since = new Date(Date.now() - 1000).toISOString();
    for (const type of ['order.paid', 'invoice.paid', 'order.shipped']) await app.post('/v1/events', { type, data: { type } });
    await gateway.takeMessages('events', 3);

    const replay = await app.post(`/v1/subscriptions/${subscription.id}/replay`, { since });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ replayId: expect.stringMatching(/^rpl_/), events: 2 });

    const messages = await gateway.takeMessages('events', 2);
    expect(messages.map((message) => message.event.type).sort()).toEqual(['order.paid', 'order.shipped']);
    for (const message of messages) expect(message).toMatchObject({ appId, onlySubscriptionId: subscription.id, replayId: replay.body.replayId });

    const future = await app.post(`/v1/subscriptions/${subscription.id}/replay`, { since: new Date(Date.now() + 60_000).toISOString() });
    expect(future.body.events).toBe(0);
    expectProblem(await app.post(`/v1/subscriptions/${subscription.id}/replay`, { since: 'last week' }), 422, 'validation');
  });
});
