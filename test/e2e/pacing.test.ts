import { afterEach, describe, expect, it } from 'vitest';
import { createAppWithKey, type ApiClient } from '../support/api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/embedded-platform.js';
import { TestReceiver, type ReceivedRequest } from '../support/receiver.js';

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

describe('embedded platform: pacing deliveries per subscription', () => {
  let platform: TestPlatform | undefined;
  let receiver: TestReceiver | undefined;
  afterEach(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  async function setUp(env: Record<string, string> = {}): Promise<{ app: ApiClient; receiver: TestReceiver }> {
    platform = await startTestPlatform(env);
    receiver = await new TestReceiver().start();
    return { app: (await createAppWithKey(platform.admin, 'shop')).client, receiver };
  }

  async function publish(app: ApiClient, type: string, count: number): Promise<string[]> {
    const batch = await app.post('/v1/events:batch', { events: Array.from({ length: count }, (_, n) => ({ type, data: { n } })) });
    expect(batch.status, JSON.stringify(batch.body)).toBe(202);
    return batch.body.data.map((event: { id: string }) => event.id);
  }

  it('holds a subscription to rateLimit.perSecond, losing nothing, while another receives at once', { timeout: 30_000 }, async () => {
    const { app, receiver } = await setUp();
    const paced = await app.post('/v1/subscriptions', { url: `${receiver.url}/paced`, events: ['tick'], rateLimit: { perSecond: 5 } });
    const fast = await app.post('/v1/subscriptions', { url: `${receiver.url}/fast`, events: ['tick'] });
    expect([paced.status, fast.status]).toEqual([201, 201]);

    const started = Date.now();
    const ids = await publish(app, 'tick', 50);
    const at = (path: string) => receiver.requests.filter((request) => request.path === path);

    while (at('/fast').length < 50 && Date.now() - started < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(at('/fast')).toHaveLength(50);
    const fastDoneAfter = Math.max(...at('/fast').map((request) => request.at)) - started;
    expect(fastDoneAfter).toBeLessThan(3_000);
    expect(at('/paced').length).toBeLessThan(25);

    await receiver.waitFor(100, 20_000);
    const pacedRequests = at('/paced');
    const span = Math.max(...pacedRequests.map((request) => request.at)) - started;
    process.stdout.write(`pacing: 50 events at perSecond 5 took ${span} ms; fast subscription done after ${fastDoneAfter} ms\n`);
    expect(span).toBeGreaterThan(8_500);
    expect(span).toBeLessThan(14_000);
    // The first request also sets up the connection, so it may arrive late, close to the second.
    expect(busiestSecond(pacedRequests.slice(1))).toBeLessThanOrEqual(6);
    expect(new Set(pacedRequests.map((request) => JSON.parse(request.body).id))).toEqual(new Set(ids));
  });

  it('does not let a slow endpoint hold up deliveries to other subscriptions', { timeout: 30_000 }, async () => {
    const { app, receiver } = await setUp({ HOOKGATE_DELIVERY_CONCURRENCY: '8', HOOKGATE_SUBSCRIPTION_CONCURRENCY: '2' });
    receiver.respond = (request) => (request.path === '/slow' ? { status: 200, delayMs: 1_000 } : { status: 200 });
    await app.post('/v1/subscriptions', { url: `${receiver.url}/slow`, events: ['slow.tick'] });
    await app.post('/v1/subscriptions', { url: `${receiver.url}/quick`, events: ['quick.tick'] });

    await publish(app, 'slow.tick', 40);
    const published = Date.now();
    await publish(app, 'quick.tick', 10);

    const quick = () => receiver!.requests.filter((request) => request.path === '/quick');
    while (quick().length < 10 && Date.now() - published < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    const quickDoneAfter = Math.max(...quick().map((request) => request.at)) - published;
    const slowSoFar = receiver.requests.filter((request) => request.path === '/slow').length;
    process.stdout.write(`head-of-line: quick subscription done ${quickDoneAfter} ms after publishing, slow one at ${slowSoFar} of 40\n`);
    expect(quick()).toHaveLength(10);
    expect(quickDoneAfter).toBeLessThan(1_500);
    expect(slowSoFar).toBeLessThan(40);
  });
});
