import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalRateSlots } from '../../../processor/adapters/local-rate-slots.js';
import { createRedisRateSlots } from '../../../processor/adapters/redis-rate-slots.js';
import type { RateSlots } from '../../../processor/ports/rate-slots.js';
import { createLogger, type Logger } from '../../../shared/logger.js';
import { createRedisConnection, type RedisConnection } from '../../../shared/redis/redis-connection.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const silent = createLogger('silent');
/** Redis answers take a few ms, which shift its slots against the caller's fixed `now`. */
const CLOCK_SLACK_MS = 15;

/** A key namespace no other test (or earlier run) shares. */
const uniquePrefix = () => `hookgate-test-${randomBytes(6).toString('hex')}`;
/** The time between consecutive slots, in order. */
function gaps(slots: number[]): number[] {
  const sorted = [...slots].sort((a, b) => a - b);
  return sorted.slice(1).map((slot, n) => slot - sorted[n]!);
}

const connections: RedisConnection[] = [];
const connect = () => {
  const connection = createRedisConnection({ url: REDIS_URL, logger: silent });
  connections.push(connection);
  return connection;
};
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
});

/** The same contract, unchanged, for every adapter of the port. */
describe.each([
  ['local', () => createLocalRateSlots()],
  ['redis', () => createRedisRateSlots({ redis: connect().commands, keyPrefix: uniquePrefix(), fallback: createLocalRateSlots(), logger: silent })],
] as const)('RateSlots contract: %s', (_name, make: () => RateSlots) => {
  let slots: RateSlots;
  beforeAll(async () => {
    slots = make();
    // The Redis connection comes up in the background; the first answer waits for nothing else.
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  it('gives the first attempt now and each one after it the next interval', async () => {
    const now = Date.now();
    const reserved = await Promise.all(Array.from({ length: 5 }, () => slots.reserve('sub_contract_a', 100, now)));
    expect(Math.min(...reserved) - now).toBeLessThanOrEqual(CLOCK_SLACK_MS);
    for (const gap of gaps(reserved)) expect(Math.abs(gap - 100)).toBeLessThanOrEqual(CLOCK_SLACK_MS);
    expect(Math.max(...reserved) - now).toBeGreaterThan(400 - CLOCK_SLACK_MS);
  });

  it('spaces claimed starts by the interval, apart from the reservations', async () => {
    const now = Date.now();
    await slots.reserve('sub_contract_e', 100, now);
    const starts = await Promise.all(Array.from({ length: 4 }, () => slots.claimStart('sub_contract_e', 100, now)));
    expect(Math.min(...starts) - now).toBeLessThanOrEqual(CLOCK_SLACK_MS);
    for (const gap of gaps(starts)) expect(Math.abs(gap - 100)).toBeLessThanOrEqual(CLOCK_SLACK_MS);
  });

  it('keeps each subscription in its own book', async () => {
    const now = Date.now();
    await slots.reserve('sub_contract_b', 1_000, now);
    expect((await slots.reserve('sub_contract_c', 1_000, now)) - now).toBeLessThanOrEqual(CLOCK_SLACK_MS);
  });

  it('starts again at now once the booked slots have passed', async () => {
    await slots.reserve('sub_contract_d', 50, Date.now());
    await slots.reserve('sub_contract_d', 50, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 150));
    const now = Date.now();
    expect((await slots.reserve('sub_contract_d', 50, now)) - now).toBeLessThanOrEqual(CLOCK_SLACK_MS);
  });
});

describe('Redis rate slots shared by processor replicas', () => {
  beforeAll(async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  it('spaces the starts of two replicas (two connections) as one, and keeps other prefixes apart', async () => {
    const prefix = uniquePrefix();
    const replicas = [connect(), connect()].map((connection) =>
      createRedisRateSlots({ redis: connection.commands, keyPrefix: prefix, fallback: createLocalRateSlots(), logger: silent }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = Date.now();
    const reserved = await Promise.all(Array.from({ length: 10 }, (_, n) => replicas[n % 2]!.reserve('sub_shared', 100, now)));
    // Each replica alone would have booked now, now + 100, ... : together they book 10 distinct slots.
    for (const gap of gaps(reserved)) expect(gap).toBeGreaterThanOrEqual(100 - CLOCK_SLACK_MS);
    expect(Math.max(...reserved) - now).toBeGreaterThan(900 - CLOCK_SLACK_MS);

    const starts = await Promise.all(Array.from({ length: 6 }, (_, n) => replicas[n % 2]!.claimStart('sub_shared', 100, now)));
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(100 - CLOCK_SLACK_MS);

    const elsewhere = createRedisRateSlots({ redis: connections[0]!.commands, keyPrefix: uniquePrefix(), fallback: createLocalRateSlots(), logger: silent });
    expect((await elsewhere.reserve('sub_shared', 100, now)) - now).toBeLessThanOrEqual(CLOCK_SLACK_MS);
  });

  it('lets the key expire about a second after its last slot', async () => {
    const connection = connect();
    const prefix = uniquePrefix();
    const slots = createRedisRateSlots({ redis: connection.commands, keyPrefix: prefix, fallback: createLocalRateSlots(), logger: silent });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await slots.reserve('sub_ttl', 500, Date.now());
    const ttl = Number(await connection.commands.sendCommand('PTTL', `${prefix}:pace:sub_ttl:slot`));
    expect(ttl).toBeGreaterThan(1_000);
    expect(ttl).toBeLessThanOrEqual(1_501);
  });

  it('paces in this process, at once and with one warning, while Redis is unreachable', async () => {
    const logger = { warn: vi.fn(), info: vi.fn() } as unknown as Logger;
    const unreachable = createRedisConnection({ url: 'redis://127.0.0.1:1', logger: silent, connectTimeoutMs: 200 });
    connections.push(unreachable);
    const slots = createRedisRateSlots({ redis: unreachable.commands, keyPrefix: uniquePrefix(), fallback: createLocalRateSlots(), logger });
    const started = Date.now();
    const now = Date.now();
    const reserved = [];
    for (let n = 0; n < 3; n++) reserved.push(await slots.reserve('sub_down', 100, now));
    const start = await slots.claimStart('sub_down', 100, now);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(reserved).toEqual([now, now + 100, now + 200]);
    expect(start).toBe(now);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('paces in this process when Redis accepts the command but does not answer in time', async () => {
    const logger = { warn: vi.fn(), info: vi.fn() } as unknown as Logger;
    const hanging = { sendCommand: () => new Promise<never>(() => {}) };
    const slots = createRedisRateSlots({ redis: hanging, keyPrefix: uniquePrefix(), fallback: createLocalRateSlots(), logger, timeoutMs: 100 });
    const now = Date.now();
    const started = Date.now();
    expect(await slots.reserve('sub_hanging', 100, now)).toBe(now);
    expect(Date.now() - started).toBeLessThan(500);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });
});
