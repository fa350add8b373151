import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, createAppWithKey } from '../support/api-client.js';
import { spawnHookgate, type HookgateProcess } from '../support/hookgate-process.js';
import { TestReceiver } from '../support/receiver.js';
import { makeTempDir } from '../support/temp-dir.js';

const EVENTS = 500;
const ADMIN_TOKEN = 'fault-test-admin-token-0123456789';

describe('fault: the embedded process is killed with SIGKILL mid-delivery', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('delivers every acknowledged event at least once after a restart', { timeout: 120_000 }, async () => {
    const dataDir = makeTempDir('crash');
    cleanups.push(dataDir.remove);
    const receiver = await new TestReceiver().start();
    cleanups.push(() => receiver.close());
    // Slow enough that the kill lands while deliveries are in flight.
    receiver.respond = () => ({ status: 200, delayMs: 50 });

    const env = {
      HOOKGATE_DATA_DIR: dataDir.path,
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_PRIVATE_URLS: 'true',
      HOOKGATE_DELIVERY_CONCURRENCY: '4',
      HOOKGATE_RETRY_SCHEDULE: '200ms,500ms,1s,2s,5s',
    };
    let hookgate: HookgateProcess = await spawnHookgate(env);
    cleanups.push(() => {
      hookgate.child.kill('SIGKILL');
    });
    const admin = new ApiClient(hookgate.url, ADMIN_TOKEN);
    const { client } = await createAppWithKey(admin, 'crash-test');
    const subscription = await client.post('/v1/subscriptions', { url: receiver.url, events: ['#'] });
    expect(subscription.status).toBe(201);

    const acknowledged: string[] = [];
    for (let batch = 0; batch < EVENTS / 50; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, index) => client.post('/v1/events', { type: 'load.tick', data: { n: batch * 50 + index } })),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(202);
        acknowledged.push(answer.body.id);
      }
    }
    expect(receiver.requests.length).toBeLessThan(EVENTS);

    hookgate.child.kill('SIGKILL');
    await hookgate.exited;
    const receivedBeforeCrash = receiver.requests.length;

    hookgate = await spawnHookgate(env);
    const received = () => new Set(receiver.requests.map((request) => JSON.parse(request.body).id as string));
    const deadline = Date.now() + 90_000;
    while (acknowledged.some((id) => !received().has(id)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const missing = acknowledged.filter((id) => !received().has(id));
    const duplicates = receiver.requests.length - received().size;
    process.stdout.write(
      `embedded crash: ${acknowledged.length} acknowledged, ${receivedBeforeCrash} received before SIGKILL, ` +
        `${missing.length} missing, ${duplicates} duplicates after restart\n`,
    );
    expect(missing).toEqual([]);
    expect(receivedBeforeCrash).toBeGreaterThan(0);
  });
});
