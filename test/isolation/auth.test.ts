import { randomBytes } from 'node:crypto';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureIsolation, startIsolationRig, type IsolationRig } from './isolation-rig.js';

const WRONG_KEYS = 2_000;
const CONCURRENCY = 20;
/** HOOKGATE_AUTH_FAILURE_LIMIT's default. */
const DEFAULT_LIMIT = 30;

/**
 * Issue 11: 2,000 wrong API keys from one client in ~3 s were all answered 401, each a storage
 * read, and none 429. The guesser now gets 429 after the default budget of failed
 * authentications, while everyone else is served as usual.
 */
describe('isolation: guessing API keys', () => {
  let rig: IsolationRig;
  // The hostile client calls from its own address (all of 127/8 reaches this host); the rig's
  // bystander, operator and /healthz probe call from 127.0.0.1.
  const hostileAddress = new Agent({ localAddress: '127.0.0.2', connections: CONCURRENCY });

  beforeAll(async () => {
    rig = await startIsolationRig();
  });
  afterAll(async () => {
    await rig?.stop();
    await hostileAddress.close();
  });

  const fromHostileAddress = async (token: string) => {
    const response = await undiciFetch(`${rig.hookgate.url}/v1/subscriptions`, { headers: { authorization: `Bearer ${token}` }, dispatcher: hostileAddress });
    return { status: response.status, contentType: response.headers.get('content-type'), ratelimit: response.headers.get('ratelimit'), body: await response.text() };
  };

  it('a burst of 2,000 wrong keys stalls no one and is answered 429 after the budget of failures', async () => {
    const statuses: Record<number, number> = {};
    let problems = 0;
    let limitedWithHeaders = 0;
    let burstMs = 0;
    const figures = await measureIsolation(rig, async () => {
      const started = performance.now();
      let sent = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (sent < WRONG_KEYS) {
            sent++;
            const answer = await fromHostileAddress(`hg_${randomBytes(32).toString('base64url')}`);
            statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
            if (answer.contentType?.startsWith('application/problem+json')) problems++;
            if (answer.status === 429 && /^"auth-failures"; r=0; t=\d+$/.test(answer.ratelimit ?? '')) limitedWithHeaders++;
          }
        }),
      );
      burstMs = performance.now() - started;
    });
    process.stdout.write(`isolation: ${WRONG_KEYS} wrong keys in ${burstMs.toFixed(0)} ms: ${JSON.stringify(statuses)}\n`);
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    // Its own outcome: at most the budget is ever looked up; everything else is a 429 with the IETF fields.
    expect(statuses[401]).toBeLessThanOrEqual(DEFAULT_LIMIT);
    expect(statuses[429]).toBe(WRONG_KEYS - statuses[401]!);
    expect(limitedWithHeaders).toBe(statuses[429]);
    expect(problems).toBe(WRONG_KEYS);
  });

  it("blocks the guesser's address even for a valid key, and nobody else's", async () => {
    expect((await fromHostileAddress(rig.hostile.key)).status).toBe(429);
    expect((await rig.hostile.client.get('/v1/subscriptions')).status).toBe(200);
    expect((await rig.bystander.client.get('/v1/subscriptions')).status).toBe(200);
  });
});
