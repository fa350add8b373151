import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, createAppWithKey } from '../support/api-client.js';
import { spawnHookgate, type HookgateProcess } from '../support/hookgate-process.js';
import { TestReceiver } from '../support/receiver.js';
import { makeTempDir } from '../support/temp-dir.js';

const ADMIN_TOKEN = 'merge-crash-admin-token-0123456789';

describe('fault: the process is killed with SIGKILL inside a merge window', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('delivers every held event after the restart', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir('merge-crash');
    cleanups.push(dataDir.remove);
    const receiver = await new TestReceiver().start();
    cleanups.push(() => receiver.close());
    const env = { HOOKGATE_DATA_DIR: dataDir.path, HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN, HOOKGATE_ALLOW_PRIVATE_URLS: 'true' };

    let hookgate: HookgateProcess = await spawnHookgate(env);
    cleanups.push(() => {
      hookgate.child.kill('SIGKILL');
    });
    const { client } = await createAppWithKey(new ApiClient(hookgate.url, ADMIN_TOKEN), 'merge-crash');
    const subscription = await client.post('/v1/subscriptions', {
      url: receiver.url,
      events: ['order.updated'],
      merge: { key: 'data.orderId', windowMs: 3_000 },
    });
    expect(subscription.status).toBe(201);
    const batch = await client.post('/v1/events:batch', {
      events: Array.from({ length: 5 }, (_, n) => ({ type: 'order.updated', data: { orderId: 'o-1', n } })),
    });
    expect(batch.status).toBe(202);
    const ids = batch.body.data.map((event: { id: string }) => event.id);

    // Inside the window: nothing has been delivered yet when the process dies.
    await new Promise((resolve) => setTimeout(resolve, 300));
    hookgate.child.kill('SIGKILL');
    await hookgate.exited;
    expect(receiver.requests).toHaveLength(0);

    hookgate = await spawnHookgate(env);
    await receiver.waitFor(1, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const delivered = receiver.requests.flatMap((request) => {
      const body = JSON.parse(request.body) as { id: string; merged?: { eventIds: string[] } };
      return body.merged?.eventIds ?? [body.id];
    });
    expect(new Set(delivered)).toEqual(new Set(ids));
    expect(receiver.requests).toHaveLength(1);
  });
});
