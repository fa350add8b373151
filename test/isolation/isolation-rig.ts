import { ApiClient, createAppWithKey } from '../support/api-client.js';
import { watchHealth } from '../support/health-watch.js';
import { spawnHookgate, type HookgateProcess } from '../support/hookgate-process.js';
import { TestReceiver } from '../support/receiver.js';
import { makeTempDir } from '../support/temp-dir.js';

const ADMIN_TOKEN = 'isolation-admin-token-0123456789';
const PROBE_INTERVAL_MS = 20;

export interface Tenant {
  appId: string;
  key: string;
  client: ApiClient;
}

/**
 * A running `hookgate start` (a real child process, as `npm start` runs it) with two tenants:
 * `hostile`, whose input a test crafts, and `bystander`, an ordinary app with one subscription
 * to a receiver on loopback. Isolation is measured from outside the process: /healthz latency
 * while the hostile input is processed, and the bystander's publish-to-webhook time.
 */
export interface IsolationRig {
  hookgate: HookgateProcess;
  admin: ApiClient;
  hostile: Tenant;
  bystander: Tenant & { receiver: TestReceiver };
  /** A receiver for the hostile app's subscriptions (answers 200). */
  hostileReceiver: TestReceiver;
  /** Publishes an event for the bystander; resolves with the ms until its webhook arrived. */
  bystanderRoundTrip(timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startIsolationRig(env: Record<string, string> = {}): Promise<IsolationRig> {
  const dataDir = makeTempDir('isolation');
  const receiver = await new TestReceiver().start();
  const hostileReceiver = await new TestReceiver().start();
  const hookgate = await spawnHookgate({
    HOOKGATE_DATA_DIR: dataDir.path,
    HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    HOOKGATE_ALLOW_PRIVATE_URLS: 'true',
    HOOKGATE_RETRY_SCHEDULE: '200ms,200ms',
    HOOKGATE_RETRY_JITTER: '0',
    HOOKGATE_LOG_LEVEL: 'warn',
    // The bystander publishes as fast as its webhooks arrive: more than the default /v1 limit per app.
    HOOKGATE_API_RATE_LIMIT: '100000',
    ...env,
  });
  const admin = new ApiClient(hookgate.url, ADMIN_TOKEN);
  const hostile = await createAppWithKey(admin, 'hostile');
  const bystander = await createAppWithKey(admin, 'bystander');
  const subscription = await bystander.client.post('/v1/subscriptions', { url: `${receiver.url}/bystander`, events: ['#'] });
  if (subscription.status !== 201) throw new Error(`bystander subscription: ${subscription.status} ${JSON.stringify(subscription.body)}`);
  let sequence = 0;

  return {
    hookgate,
    admin,
    hostile,
    bystander: { ...bystander, receiver },
    hostileReceiver,
    async bystanderRoundTrip(timeoutMs = 5_000) {
      const marker = `tick-${++sequence}`;
      const before = receiver.requests.length;
      const started = performance.now();
      const published = await bystander.client.post('/v1/events', { type: 'bystander.tick', data: { marker } });
      if (published.status !== 202) throw new Error(`bystander publish: ${published.status} ${JSON.stringify(published.body)}`);
      const deadline = Date.now() + timeoutMs;
      while (!receiver.requests.slice(before).some((request) => request.body.includes(marker))) {
        if (Date.now() > deadline) throw new Error(`the bystander's webhook did not arrive within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return performance.now() - started;
    },
    async stop() {
      hookgate.child.kill('SIGKILL');
      await hookgate.exited;
      await receiver.close();
      await hostileReceiver.close();
      dataDir.remove();
    },
  };
}

export interface IsolationFigures {
  /** The slowest /healthz answer while the hostile work and the bystander's events ran. */
  healthMaxMs: number;
  /** The bystander's slowest publish-to-webhook time in that period. */
  bystanderMaxMs: number;
}

/**
 * Runs the hostile tenant's work (publish the crafted event, say), then keeps publishing the
 * bystander's events one after another for `settleMs` while /healthz is probed throughout.
 * Tests assert `healthMaxMs < 300` and `bystanderMaxMs < 1000`.
 */
export async function measureIsolation(rig: IsolationRig, hostileWork: () => Promise<void>, settleMs = 1_500): Promise<IsolationFigures> {
  // Probed from a worker thread, so this process's own work cannot delay a probe and pass for the server's.
  const health = watchHealth(`${rig.hookgate.url}/healthz`, { intervalMs: PROBE_INTERVAL_MS });
  let bystanderMaxMs = 0;
  let healthMaxMs: number;
  let samples: number;
  try {
    await health.ready;
    await hostileWork();
    const until = Date.now() + settleMs;
    while (Date.now() < until) bystanderMaxMs = Math.max(bystanderMaxMs, await rig.bystanderRoundTrip());
  } finally {
    // A probe stuck behind a frozen event loop counts for as long as it has waited so far.
    const stuckMs = Math.max(0, ...health.takeSlow().map((probe) => probe.ms));
    ({ maxMs: healthMaxMs, samples } = health.summary());
    healthMaxMs = Math.max(healthMaxMs, stuckMs);
    await health.stop();
  }
  process.stdout.write(`isolation: /healthz max ${healthMaxMs.toFixed(0)} ms over ${samples} probes, bystander max ${bystanderMaxMs.toFixed(0)} ms\n`);
  return { healthMaxMs, bystanderMaxMs };
}
