import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectProblem, startGateway, type GatewayHarness } from '../gateway-harness.js';

// Creating two apps with a key each takes the operator 4 requests, within its own budget.
const LIMIT = 4;

describe('gateway default rate limit', () => {
  let gateway: GatewayHarness;

  beforeEach(async () => {
    gateway = await startGateway({ env: { HOOKGATE_API_RATE_LIMIT: String(LIMIT), HOOKGATE_API_RATE_WINDOW: '1m' } });
  });
  afterEach(async () => {
    await gateway.stop();
  });

  it('answers 429 problem+json with Retry-After and the IETF RateLimit headers once an app is over its limit', async () => {
    const { client } = await gateway.createApp('shop');
    for (let index = 0; index < LIMIT; index++) {
      const allowed = await client.get('/v1/subscriptions');
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('ratelimit-policy')).toMatch(new RegExp(`q=${LIMIT}; ?w=60`));
    }
    const limited = await client.get('/v1/subscriptions');
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit')).toMatch(/r=0/);
    expect(limited.headers.get('ratelimit-policy')).toMatch(new RegExp(`q=${LIMIT}`));

    const metrics = await gateway.anonymous.get('/metrics');
    expect(metrics.body).toMatch(/hookgate_rate_limited_requests_total\{[^}]*route="platform-api"[^}]*\} 1/);
  });

  it('keeps one budget per app: another app is not limited by the first', async () => {
    const first = await gateway.createApp('first');
    const second = await gateway.createApp('second');
    for (let index = 0; index < LIMIT; index++) await first.client.get('/v1/events');
    expectProblem(await first.client.get('/v1/events'), 429, 'rate-limited');
    expect((await second.client.get('/v1/events')).status).toBe(200);
  });

  it('does not limit health, readiness and metrics', async () => {
    for (let index = 0; index < 5; index++) expect((await gateway.anonymous.get('/healthz')).status).toBe(200);
  });
});
