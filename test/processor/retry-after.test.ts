import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppWithKey, eventually, type ApiClient } from '../support/api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/embedded-platform.js';
import { TestReceiver } from '../support/receiver.js';

describe('embedded platform: a receiver that asks for time with Retry-After', () => {
  let platform: TestPlatform;
  let receiver: TestReceiver;
  let app: ApiClient;

  beforeEach(async () => {
    // The test platform retries after 100 ms, with no jitter: a 1 s Retry-After must win over it.
    platform = await startTestPlatform();
    receiver = await new TestReceiver().start();
    app = (await createAppWithKey(platform.admin, 'shop')).client;
  });

  afterEach(async () => {
    await platform.stop();
    await receiver.close();
  });

  it('waits at least the Retry-After of a 429 before the next attempt, which carries the same webhook-id', async () => {
    receiver.respond = (_request, index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'too many' } : { status: 200, body: 'ok' };
    const created = await app.post('/v1/subscriptions', { url: receiver.url + '/hooks', events: ['order.*'] });
    expect(created.status).toBe(201);

    const published = await app.post('/v1/events', { type: 'order.paid', data: { orderId: 'o-1' } });
    expect(published.status).toBe(202);

    await receiver.waitFor(2, 10_000);
    const [first, second] = receiver.requests;
    const gapMs = second!.at - first!.at;
    // `at` is when each request had arrived; the retry is scheduled from after the 429 went out, so
    // the gap is at least 1 s (a little slack for millisecond rounding of the two clocks' readings).
    expect(gapMs).toBeGreaterThanOrEqual(990);
    // And not wildly more: Retry-After is honoured, not added to a long back-off.
    expect(gapMs).toBeLessThan(3_000);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.headers['webhook-id']).toMatch(/^dlv_/);
    // Each attempt is signed afresh, so its timestamp is its own.
    expect(Number(second!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(Number(first!.headers['webhook-timestamp']));

    const delivery = await eventually(async () => {
      const list = await app.get(`/v1/deliveries?event=${published.body.id}&status=succeeded`);
      return list.body.data?.[0];
    });
    expect(delivery.id).toBe(first!.headers['webhook-id']);
    const detail = await eventually(async () => {
      const found = await app.get(`/v1/deliveries/${delivery.id}`);
      return found.body.attempts?.length === 2 ? found.body : undefined;
    });
    expect(detail.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([429, 200]);
    expect(detail.attempts[0].responseBody).toBe('too many');
    expect(Date.parse(detail.attempts[1].at) - Date.parse(detail.attempts[0].at)).toBeGreaterThanOrEqual(990);
    expect(receiver.requests).toHaveLength(2);
  });
});
