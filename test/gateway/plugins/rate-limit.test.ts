import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayConfigError } from '../../../gateway/config/index.js';
import { createRedisConnection, type RedisCommands, type RedisConnection } from '../../../gateway/plugins/index.js';
import { expectProblemBody, startGatewayFromYaml, testContext, testLogger, type RunningGateway } from './gateway-fixture.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const SECRET = 'rate-limit-test-secret-0123456789abcdef';

/** A policy name of its own per test, so counts in the shared Redis never meet. */
const uniquePolicy = () => `test-${randomUUID().slice(0, 8)}`;

function limitedRoute(config: string, before = ''): string {
  return `
routes:
  - name: orders
    paths: [/api/orders]
    plugins:${before}
      - name: rate-limit
        config: {${config}}
`;
}

describe('rate-limit plugin', () => {
  let redis: RedisConnection;
  const gateways: RunningGateway[] = [];
  beforeAll(() => {
    redis = createRedisConnection({ url: REDIS_URL, logger: testLogger });
  });
  afterAll(async () => {
    await redis.close();
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });
  /** `null`: no Redis connection at all, as when HOOKGATE_REDIS_URL is unset. */
  const start = async (yaml: string, commands: RedisCommands | null = redis.commands) => {
    const gateway = await startGatewayFromYaml(yaml, { context: testContext(commands === null ? {} : { redis: commands }) });
    gateways.push(gateway);
    return gateway;
  };

  it('lets two gateway instances sharing Redis allow exactly the limit together, then answers 429 with Retry-After and RateLimit fields', async () => {
    const policy = uniquePolicy();
    const yaml = limitedRoute(`limit: 5, windowMs: 60000, by: ip, store: redis, policy: ${policy}`);
    const [first, second] = [await start(yaml), await start(yaml)];
    const statuses: number[] = [];
    for (let index = 0; index < 10; index++) {
      const response = await fetch(`${(index % 2 === 0 ? first : second)!.url}/api/orders`);
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);

    const limited = await fetch(`${second!.url}/api/orders`);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit')).toMatch(new RegExp(`^"${policy}"; r=0; t=\\d+$`));
    expect(limited.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"${policy}"; q=5; w=60; pk=:`));
    const problem = await expectProblemBody(limited, 429, 'rate-limited');
    expect(problem.detail).toMatch(`policy "${policy}"`);
    // Each instance counts the refusals it answered: indexes 5, 7, 9 and the last one.
    const metrics = await second!.context.metrics.registry.metrics();
    expect(metrics).toMatch(/hookgate_rate_limited_requests_total\{route="orders"[^}]*\} 4/);
  });

  it('counts 100 concurrent requests through two instances atomically', async () => {
    const yaml = limitedRoute(`limit: 37, windowMs: 60000, store: redis, policy: ${uniquePolicy()}`);
    const [first, second] = [await start(yaml), await start(yaml)];
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async (_, index) => {
        const response = await fetch(`${(index % 2 === 0 ? first : second)!.url}/api/orders`);
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(37);
  });

  it('keeps one budget per app when limiting by app', async () => {
    const auth = `
      - name: jwt
        config: {algorithms: [HS256], secret: ${SECRET}, issuer: tests, audience: gateway, appClaim: app}`;
    const gateway = await start(limitedRoute('limit: 2, windowMs: 60000, by: app', auth));
    const token = (app: string) => jwt.sign({ app, iss: 'tests', aud: 'gateway', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);
    const call = async (app: string) => (await fetch(`${gateway.url}/api/orders`, { headers: { authorization: `Bearer ${token(app)}` } })).status;
    expect([await call('shop'), await call('shop'), await call('shop')]).toEqual([200, 200, 429]);
    expect(await call('blog')).toBe(200);
  });

  it('keeps one budget per credential when limiting by key (a JWT subject)', async () => {
    const auth = `
      - name: jwt
        config: {algorithms: [HS256], secret: ${SECRET}, issuer: tests, audience: gateway, appClaim: app}`;
    const gateway = await start(limitedRoute('limit: 1, windowMs: 60000, by: key', auth));
    const call = async (sub: string) => {
      const token = jwt.sign({ app: 'shop', sub, iss: 'tests', aud: 'gateway', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET);
      return (await fetch(`${gateway.url}/api/orders`, { headers: { authorization: `Bearer ${token}` } })).status;
    };
    expect([await call('alice'), await call('alice'), await call('bob')]).toEqual([200, 429, 200]);
  });

  it('fails closed (503) by default and open when the route says so while Redis is unreachable', async () => {
    const unreachable = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: testLogger, connectTimeoutMs: 200 });
    try {
      const closed = await start(limitedRoute(`limit: 5, windowMs: 60000, store: redis, policy: ${uniquePolicy()}`), unreachable.commands);
      const open = await start(limitedRoute(`limit: 5, windowMs: 60000, store: redis, failOpen: true, policy: ${uniquePolicy()}`), unreachable.commands);
      const started = Date.now();
      const problem = await expectProblemBody(await fetch(`${closed.url}/api/orders`), 503, 'unavailable');
      expect(problem.detail).toMatch(/Redis/);
      expect((await fetch(`${open.url}/api/orders`)).status).toBe(200);
      // Commands fail at once instead of queueing while Redis is away.
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await unreachable.close();
    }
  });

  it('counts again once Redis is back', async () => {
    let down = true;
    const flaky: RedisCommands = {
      sendCommand: (...args) => (down ? Promise.reject(new Error('connection refused')) : redis.commands.sendCommand(...args)),
    };
    const gateway = await start(limitedRoute(`limit: 1, windowMs: 60000, store: redis, policy: ${uniquePolicy()}`), flaky);
    await expectProblemBody(await fetch(`${gateway.url}/api/orders`), 503, 'unavailable');
    down = false;
    expect((await fetch(`${gateway.url}/api/orders`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/api/orders`)).status).toBe(429);
  });

  it('limits in process with the local store', async () => {
    const gateway = await start(limitedRoute('limit: 1, windowMs: 60000'), null);
    expect((await fetch(`${gateway.url}/api/orders`)).status).toBe(200);
    const limited = await fetch(`${gateway.url}/api/orders`);
    expect(limited.headers.get('ratelimit-policy')).toMatch(/^"orders"; q=1; w=60/);
    await expectProblemBody(limited, 429, 'rate-limited');
  });

  it('refuses to build a Redis-backed limit without a Redis connection, naming the route', async () => {
    const error = await start(limitedRoute('limit: 1, windowMs: 1000, store: redis'), null).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayConfigError);
    expect((error as GatewayConfigError).issues).toEqual([
      expect.stringMatching(/hookgate\.yaml: routes\[0\] \(orders\)\.plugins\[0\] \(rate-limit\)\.config: store "redis" needs a Redis connection/),
    ]);
  });
});
