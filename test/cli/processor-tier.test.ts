import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startProcessorTier } from '../../cli/tiers/processor-tier.js';
import type { RunningTier } from '../../cli/tiers/running-tier.js';
import { startStorageTier } from '../../cli/tiers/storage-tier.js';
import { loadConfig } from '../../shared/config/index.js';
import { createLogger } from '../../shared/logger.js';
import { AMQP_URL, deleteTopology, eventually, forceCloseConnection, uniquePrefix } from '../queue/fixtures/rabbitmq-harness.js';
import { makeTempDir } from '../support/temp-dir.js';

interface Readiness {
  status: number;
  body: { checks?: Record<string, boolean>; detail?: string };
}

describe('hookgate processor (the tier, in this process, on RabbitMQ, beside a storage tier on SQLite)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * Starts a storage tier and a processor tier that reads from it. Each has its own AMQP prefix
   * (they exchange no messages here), so dropping the processor's connection, found by its
   * prefix, leaves the storage tier's alone and its /readyz, which the processor checks, green.
   */
  async function startTiers(): Promise<{ processorPrefix: string; readiness: () => Promise<Readiness> }> {
    const encryptionKey = randomBytes(32).toString('base64');
    const logLevel = process.env.HOOKGATE_TEST_LOG_LEVEL ?? 'silent';
    const start = async <T>(role: string, env: Record<string, string>, run: (config: ReturnType<typeof loadConfig>) => Promise<T>) => {
      const prefix = uniquePrefix();
      const dir = makeTempDir(`${role}-tier`);
      cleanups.push(dir.remove, () => deleteTopology(prefix));
      const config = loadConfig({
        HOOKGATE_AMQP_URL: AMQP_URL,
        HOOKGATE_AMQP_PREFIX: prefix,
        HOOKGATE_DATA_DIR: dir.path,
        HOOKGATE_HOST: '127.0.0.1',
        HOOKGATE_ENCRYPTION_KEY: encryptionKey,
        HOOKGATE_LOG_LEVEL: logLevel,
        ...env,
      });
      return { prefix, started: await run(config) };
    };
    const track = (tier: RunningTier): RunningTier => {
      cleanups.push(() => tier.stop());
      return tier;
    };

    const storage = await start('storage', { HOOKGATE_STORAGE_PORT: '0' }, async (config) => track(await startStorageTier(config, createLogger(config.logLevel))));
    const processor = await start(
      'processor',
      { HOOKGATE_PROCESSOR_PORT: '0', HOOKGATE_STORAGE_URL: storage.started.server.url },
      async (config) => track(await startProcessorTier(config, createLogger(config.logLevel))),
    );
    const readiness = async (): Promise<Readiness> => {
      const response = await fetch(`${processor.started.server.url}/readyz`);
      return { status: response.status, body: (await response.json()) as Readiness['body'] };
    };
    return { processorPrefix: processor.prefix, readiness };
  }

  it('/readyz reports its consumers: not ready while the broker connection is lost, ready once they are subscribed again', async () => {
    const { processorPrefix, readiness } = await startTiers();
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { broker: true, storage: true, consumers: true } } });

    await forceCloseConnection(processorPrefix, { prefix: true });
    let down: Readiness | undefined;
    await eventually(async () => (down = await readiness()).status === 503, 5_000, '/readyz to fail');
    expect(down?.body.detail).toContain('consumers');
    expect(down?.body.detail).not.toContain('storage');

    await eventually(async () => (await readiness()).status === 200, 15_000, '/readyz to recover after the reconnect');
  });
});
