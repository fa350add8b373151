import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppWithKey, type ApiClient } from '../support/api-client.js';
import { stopTestMongo } from '../support/congodb.js';
import { startDistributedPlatform, type DistributedPlatform } from '../support/distributed-platform.js';
import { TestReceiver, type ReceivedRequest } from '../support/receiver.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** The most requests that arrived within any one-second window. */
function busiestSecond(requests: ReceivedRequest[]): number {
  const times = requests.map((request) => request.at).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** hookgate_delivery_attempts_total summed over outcomes, from one processor's /metrics. */
async function attemptsMadeBy(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('hookgate_delivery_attempts_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('distributed mode: rateLimit.perSecond shared by two processors through Redis', () => {
  let platform: DistributedPlatform;
  let receiver: TestReceiver;
  let app: ApiClient;

  beforeAll(async () => {
    // Redis keys are namespaced by HOOKGATE_AMQP_PREFIX, unique per platform: no state shared with other tests.
    platform = await startDistributedPlatform({ processors: 2, env: { HOOKGATE_REDIS_URL: REDIS_URL } });
    receiver = await new TestReceiver().start();
    app = (await createAppWithKey(platform.admin, 'shop')).client;
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
    await stopTestMongo();
  });

  it('holds 10 per second across both processors, losing nothing', { timeout: 40_000 }, async () => {
    const subscription = await app.post('/v1/subscriptions', { url: `${receiver.url}/paced`, events: ['tick'], rateLimit: { perSecond: 10 } });
    expect(subscription.status).toBe(201);

    const batch = await app.post('/v1/events:batch', { events: Array.from({ length: 100 }, (_, n) => ({ type: 'tick', data: { n } })) });
    expect(batch.status, JSON.stringify(batch.body)).toBe(202);
    const ids: string[] = batch.body.data.map((event: { id: string }) => event.id);

    await receiver.waitFor(100, 25_000);
    const requests = [...receiver.requests].sort((a, b) => a.at - b.at);
    const span = requests.at(-1)!.at - requests[0]!.at;
    const perProcessor = await Promise.all(platform.processors.map((processor) => attemptsMadeBy(processor.url)));
    const busiest = busiestSecond(requests.slice(1));
    process.stdout.write(`global pacing: 100 events at perSecond 10 over 2 processors (${perProcessor.join(' + ')} attempts) took ${span} ms; busiest second ${busiest}\n`);

    // Both replicas delivered: a limit each kept only for itself would show here.
    for (const attempts of perProcessor) expect(attempts).toBeGreaterThan(10);
    expect(busiest).toBeLessThanOrEqual(11);
    expect(span).toBeGreaterThan(9_000);
    expect(new Set(requests.map((request) => JSON.parse(request.body).id))).toEqual(new Set(ids));
    expect(requests).toHaveLength(100);
  });

  it('does not warn that limits multiply with replicas when Redis is set', () => {
    for (const processor of platform.processors) expect(processor.output()).not.toContain('HOOKGATE_REDIS_URL is not set');
  });
});
