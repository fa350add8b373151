import { randomInt } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, type RedisCommands, type RedisConnection } from '../../../gateway/plugins/index.js';
import { AUTH_FAILURE_REDIS_PREFIX, createAuthFailureLimiter } from '../../../gateway/plugins/rate-limit/auth-failure-limiter.js';
import { HookgateMetrics } from '../../../shared/metrics.js';
import { startGatewayFromYaml, testContext, testLogger, type RunningGateway } from './gateway-fixture.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const SECRET = 'auth-failure-redis-secret-0123456789abcdef';
const LIMIT = 5;

const ROUTE = `
routes:
  - name: partner
    paths: [/partner]
    plugins:
      - name: jwt
        config: {algorithms: [HS256], secret: "${SECRET}", issuer: https://id.example.test/, audience: partner}
`;

const token = (secret: string) => jwt.sign({ iss: 'https://id.example.test/', aud: 'partner', sub: 'app_partner' }, secret, { expiresIn: 60 });

describe('failed-authentication limit shared through Redis', () => {
  let redis: RedisConnection;
  const gateways: RunningGateway[] = [];
  const agents: Agent[] = [];
  beforeAll(() => {
    redis = createRedisConnection({ url: REDIS_URL, logger: testLogger });
  });
  afterAll(async () => {
    await redis.close();
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await Promise.all(agents.splice(0).map((agent) => agent.close()));
  });

  /** A gateway replica with its own limiter on these Redis commands. */
  const replica = async (commands: RedisCommands) => {
    const metrics = new HookgateMetrics('gateway');
    const authFailures = createAuthFailureLimiter({ limit: LIMIT, windowMs: 60_000, redis: commands, logger: testLogger, metrics });
    const gateway = await startGatewayFromYaml(ROUTE, { context: testContext({ metrics, authFailures }) });
    gateways.push(gateway);
    return gateway;
  };
  /** A loopback address of this run's own, so counts left in the shared Redis by other runs never meet it. */
  const freshAddress = async () => {
    const address = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    await redis.commands.sendCommand('DEL', `${AUTH_FAILURE_REDIS_PREFIX}ip:${address}`);
    const agent = new Agent({ localAddress: address });
    agents.push(agent);
    return (gateway: RunningGateway, bearer: string) =>
      undiciFetch(`${gateway.url}/partner`, { headers: { authorization: `Bearer ${bearer}` }, dispatcher: agent }).then(async (response) => {
        await response.text();
        return response;
      });
  };

  it('counts one address across replicas: failures on both add up to the limit, then both answer 429', async () => {
    const [first, second] = [await replica(redis.commands), await replica(redis.commands)];
    const call = await freshAddress();
    const wrong = token('another-secret-0123456789abcdefghijkl');
    for (const gateway of [first, second, first, second, first]) expect((await call(gateway, wrong)).status).toBe(401);
    for (const gateway of [first, second]) {
      const refused = await call(gateway, token(SECRET));
      expect(refused.status).toBe(429);
      expect(refused.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"auth-failures"; q=${LIMIT}; w=60`));
    }
  });

  it('lets requests through uncounted while Redis is unreachable, rather than refusing valid callers', async () => {
    const unreachable = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: testLogger, connectTimeoutMs: 200 });
    try {
      const gateway = await replica(unreachable.commands);
      const call = await freshAddress();
      for (let index = 0; index < LIMIT * 2; index++) expect((await call(gateway, 'garbage')).status).toBe(401);
      expect((await call(gateway, token(SECRET))).status).toBe(200);
    } finally {
      await unreachable.close();
    }
  });
});
