import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, createAppWithKey, eventually } from '../support/api-client.js';
import { spawnHookgate, type HookgateProcess } from '../support/hookgate-process.js';
import { TestReceiver } from '../support/receiver.js';
import { makeTempDir } from '../support/temp-dir.js';

const ADMIN_TOKEN = 'tracing-admin-token-0123456789';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context across tiers', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('carries the publisher\'s traceparent through the queue onto the webhook and into every tier\'s log lines, storage included', async () => {
    const dir = makeTempDir('tracing');
    cleanups.push(dir.remove);
    const receiver = await new TestReceiver().start();
    cleanups.push(() => receiver.close());
    const hookgate: HookgateProcess = await spawnHookgate({
      HOOKGATE_DATA_DIR: dir.path,
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_PRIVATE_URLS: 'true',
      HOOKGATE_LOG_LEVEL: 'debug',
    });
    cleanups.push(() => hookgate.child.kill('SIGKILL'));
    const { client } = await createAppWithKey(new ApiClient(hookgate.url, ADMIN_TOKEN), 'traced');
    await client.post('/v1/subscriptions', { url: receiver.url, events: ['order.*'] });

    const published = await client.call('POST', '/v1/events', { type: 'order.paid', data: {} }, { traceparent: TRACEPARENT });
    expect(published.status).toBe(202);
    await receiver.waitFor(1);
    expect(receiver.requests[0]!.headers.traceparent).toBe(TRACEPARENT);

    const traced = await eventually(async () => {
      const lines = hookgate
        .output()
        .split('\n')
        .filter((line) => line.includes(TRACEPARENT))
        .map((line) => JSON.parse(line) as { tier?: string; msg: string });
      return lines.some((line) => line.msg === 'delivery attempted') && lines.some((line) => line.msg === 'attempt stored') ? lines : undefined;
    });
    expect(traced.map((line) => line.tier)).toEqual(expect.arrayContaining(['gateway', 'processor', 'storage']));
    expect(traced.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['request completed', 'event fanned out', 'delivery attempted', 'delivery scheduled stored', 'attempt stored']),
    );
    // The storage tier's line names the delivery the result belongs to, as the processor's does.
    const attempted = traced.find((line) => line.msg === 'delivery attempted') as { deliveryId?: string };
    expect(traced.find((line) => line.msg === 'attempt stored')).toMatchObject({ tier: 'storage', deliveryId: attempted.deliveryId, status: 'succeeded' });
  });
});
