import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppWithKey, eventually, type ApiClient } from '../support/api-client.js';
import { stopTestMongo } from '../support/congodb.js';
import { startDistributedPlatform, type DistributedPlatform } from '../support/distributed-platform.js';
import { TestReceiver } from '../support/receiver.js';

/** hookgate_delivery_attempts_total summed over outcomes, from one tier's /metrics. */
async function attemptsMadeBy(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('hookgate_delivery_attempts_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('distributed mode: gateway, two processors and storage as processes over RabbitMQ and MongoDB', () => {
  let platform: DistributedPlatform;
  let receiver: TestReceiver;
  let app: ApiClient;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ processors: 2 });
    receiver = await new TestReceiver().start();
    receiver.respond = (request) => {
      if (request.path === '/flaky') {
        const seen = receiver.requests.filter((other) => other.path === '/flaky').length;
        return seen <= 2 ? { status: 500 } : { status: 200 };
      }
      return request.path === '/down' ? { status: 503 } : { status: 200 };
    };
    app = (await createAppWithKey(platform.admin, 'shop')).client;
  }, 120_000);
  let stopped = false;
  afterAll(async () => {
    if (!stopped) await platform?.stop();
    await receiver?.close();
    await stopTestMongo();
  });

  const at = (path: string) => receiver.requests.filter((request) => request.path === path);

  it('warns once at start-up, without HOOKGATE_REDIS_URL, that each processor paces rate limits on its own', () => {
    for (const processor of platform.processors) {
      expect(processor.output().split('HOOKGATE_REDIS_URL is not set: each processor paces rateLimit.perSecond on its own')).toHaveLength(2);
    }
  });

  it('answers /readyz on every tier once its dependencies are up', async () => {
    for (const process of [platform.gateway, platform.storage, ...platform.processors]) {
      const ready = await fetch(`${process.url}/readyz`);
      expect(ready.status, process.url).toBe(200);
    }
  });

  it('delivers a published event signed, retries a failing receiver with one webhook-id, and ends a hopeless one dead', async () => {
    const signed = await app.post('/v1/subscriptions', { url: `${receiver.url}/signed`, events: ['order.paid'] });
    const flaky = await app.post('/v1/subscriptions', { url: `${receiver.url}/flaky`, events: ['order.paid'] });
    const down = await app.post('/v1/subscriptions', { url: `${receiver.url}/down`, events: ['order.paid'] });
    expect([signed.status, flaky.status, down.status]).toEqual([201, 201, 201]);

    const published = await app.post('/v1/events', { type: 'order.paid', data: { orderId: 'o-1' } });
    expect(published.status).toBe(202);

    const request = await eventually(async () => at('/signed')[0], 20_000);
    expect(new Webhook(signed.body.secret).verify(request.body, request.headers as Record<string, string>)).toMatchObject({ id: published.body.id });

    await eventually(async () => (at('/flaky').length >= 3 ? true : undefined), 20_000);
    expect(new Set(at('/flaky').map((attempt) => attempt.headers['webhook-id'])).size).toBe(1);
    const succeeded = await eventually(async () => (await app.get(`/v1/deliveries?subscription=${flaky.body.id}&status=succeeded`)).body.data[0], 20_000);
    const detail = await eventually(async () => {
      const found = await app.get(`/v1/deliveries/${succeeded.id}`);
      return found.body.attempts.length === 3 ? found.body : undefined;
    });
    expect(detail.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 500, 200]);

    const dead = await eventually(async () => (await app.get(`/v1/deliveries?subscription=${down.body.id}&status=dead`)).body.data[0], 20_000);
    expect((await app.get(`/v1/deliveries/${dead.id}`)).body.attempts).toHaveLength(4);
  });

  it('replays events since a time as new deliveries', async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    const subscription = await app.post('/v1/subscriptions', { url: `${receiver.url}/replayed`, events: ['invoice.#'] });
    await app.post('/v1/events', { type: 'invoice.created', data: { n: 1 } });
    await eventually(async () => at('/replayed')[0], 20_000);

    expect((await app.post(`/v1/subscriptions/${subscription.body.id}/replay`, { since })).status).toBe(202);
    await eventually(async () => (at('/replayed').length >= 2 ? true : undefined), 20_000);
    const [first, second] = at('/replayed');
    expect(JSON.parse(second!.body)).toEqual(JSON.parse(first!.body));
    expect(second!.headers['webhook-id']).not.toBe(first!.headers['webhook-id']);
  });

  it('shares the load between two processors and delivers each event once', { timeout: 60_000 }, async () => {
    await app.post('/v1/subscriptions', { url: `${receiver.url}/load`, events: ['load.tick'] });
    const before = await Promise.all(platform.processors.map((processor) => attemptsMadeBy(processor.url)));
    const ids: string[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const published = await app.post('/v1/events:batch', { events: Array.from({ length: 50 }, (_, n) => ({ type: 'load.tick', data: { n } })) });
      expect(published.status).toBe(202);
      ids.push(...published.body.data.map((event: { id: string }) => event.id));
    }
    await eventually(async () => (at('/load').length >= ids.length ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = at('/load').map((request) => JSON.parse(request.body).id as string);
    expect(new Set(received)).toEqual(new Set(ids));
    expect(received).toHaveLength(ids.length);

    const after = await Promise.all(platform.processors.map((processor) => attemptsMadeBy(processor.url)));
    const shares = after.map((count, index) => count - before[index]!);
    process.stdout.write(`distributed: 200 events, attempts per processor ${shares.join(' / ')}\n`);
    expect(shares.every((share) => share > 0)).toBe(true);
  });

  it('stops every tier gracefully on SIGTERM, exiting 0', async () => {
    stopped = true;
    expect(await platform.stop()).toEqual([0, 0, 0, 0]);
  });
});
