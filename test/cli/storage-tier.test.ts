import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startStorageTier } from '../../cli/tiers/storage-tier.js';
import type { RunningTier } from '../../cli/tiers/running-tier.js';
import { loadConfig } from '../../shared/config/index.js';
import { createLogger } from '../../shared/logger.js';
import { readExposition } from '../observability/exposition.js';
import { AMQP_URL, deleteTopology, eventually, forceCloseConnection, uniquePrefix } from '../queue/fixtures/rabbitmq-harness.js';
import { makeTempDir } from '../support/temp-dir.js';

interface Readiness {
  status: number;
  body: { checks?: Record<string, boolean>; detail?: string };
}

describe('hookgate storage (the tier, in this process, on RabbitMQ and SQLite)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startTier(): Promise<{ tier: RunningTier; prefix: string; readiness: () => Promise<Readiness> }> {
    const prefix = uniquePrefix();
    const dir = makeTempDir('storage-tier');
    cleanups.push(dir.remove, () => deleteTopology(prefix));
    const config = loadConfig({
      HOOKGATE_AMQP_URL: AMQP_URL,
      HOOKGATE_AMQP_PREFIX: prefix,
      HOOKGATE_DATA_DIR: dir.path,
      HOOKGATE_STORAGE_PORT: '0',
      HOOKGATE_HOST: '127.0.0.1',
      HOOKGATE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOOKGATE_LOG_LEVEL: process.env.HOOKGATE_TEST_LOG_LEVEL ?? 'silent',
    });
    const tier = await startStorageTier(config, createLogger(config.logLevel));
    cleanups.push(() => tier.stop());
    const readiness = async (): Promise<Readiness> => {
      const response = await fetch(`${tier.server.url}/readyz`);
      return { status: response.status, body: (await response.json()) as Readiness['body'] };
    };
    return { tier, prefix, readiness };
  }

  it('/readyz reports its results consumer: not ready while the broker connection is lost, ready once it is subscribed again', async () => {
    const { prefix, readiness } = await startTier();
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { database: true, broker: true, consumers: true } } });

    await forceCloseConnection(prefix, { prefix: true });
    let down: Readiness | undefined;
    await eventually(async () => (down = await readiness()).status === 503, 5_000, '/readyz to fail');
    expect(down?.body.detail).toContain('consumers');

    await eventually(async () => (await readiness()).status === 200, 15_000, '/readyz to recover after the reconnect');
  });

  it('/metrics reports consumer lag for every queue, beside the depth', async () => {
    const { tier } = await startTier();
    const families = readExposition(await (await fetch(`${tier.server.url}/metrics`)).text());
    const lag = families.get('hookgate_queue_consumer_lag_seconds');
    expect(lag?.samples.map((sample) => [sample.labels.queue, sample.value]).sort()).toEqual([
      ['deliveries', 0],
      ['events', 0],
      ['merges', 0],
      ['results', 0],
    ]);
  });
});
