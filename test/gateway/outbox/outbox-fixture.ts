import { join } from 'node:path';
import { createOutboxRelay, createSqliteOutbox, defaultOutboxFile, type EventOutbox, type OutboxRelay, type OutboxRelayOptions } from '../../../gateway/outbox/index.js';
import { createEventPublisher } from '../../../gateway/services/event-publisher.js';
import { createEmbeddedBroker } from '../../../queue/adapters/embedded/index.js';
import type { EventMessage } from '../../../queue/messages.js';
import type { MessageBroker } from '../../../queue/ports/message-broker.js';
import { createLogger } from '../../../shared/logger.js';
import { HookgateMetrics } from '../../../shared/metrics.js';
import { createSqliteStorage } from '../../../storage/adapters/sqlite/index.js';
import type { Storage } from '../../../storage/ports/index.js';
import { makeTempDir } from '../../support/temp-dir.js';
import { flakyBroker, type FlakyBroker } from './flaky-broker.js';

export const testLogger = createLogger(process.env.HOOKGATE_TEST_LOG_LEVEL ?? 'silent');

/** Quick enough for tests: a failed publish is retried within a second. */
export const FAST_RELAY = { retryDelayMs: 20, maxRetryDelayMs: 200, publishTimeoutMs: 300 } satisfies Partial<OutboxRelayOptions>;

export interface OutboxPlatform {
  dataDir: string;
  storage: Storage;
  /** The real embedded queue, behind a switch that takes it down for publishing. */
  broker: FlakyBroker;
  realBroker: MessageBroker;
  metrics: HookgateMetrics;
  appId: string;
  outbox: EventOutbox;
  /** A relay from `outbox` through the event publisher; stopped by `stop()`. */
  startRelay(options?: Partial<OutboxRelayOptions>): Promise<OutboxRelay>;
  /** A new outbox on the same file, the current one closed (its relays stopped first): a restarted gateway. */
  restartOutbox(): Promise<EventOutbox>;
  /** Every message on the `events` queue, consumed until `count` have come (acknowledging them). */
  takeEvents(count: number, timeoutMs?: number): Promise<EventMessage[]>;
  stop(): Promise<void>;
}

/**
 * What a gateway process holds to publish events: the real SQLite storage and embedded queue
 * in a fresh data dir, one app, the event publisher, and the outbox on its default file.
 */
export async function startOutboxPlatform(): Promise<OutboxPlatform> {
  const dir = makeTempDir('outbox-platform');
  const storage = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite'), logger: testLogger });
  await storage.start();
  const realBroker = createEmbeddedBroker({ file: join(dir.path, 'queue.sqlite'), logger: testLogger });
  await realBroker.start();
  const broker = flakyBroker(realBroker);
  const metrics = new HookgateMetrics('gateway');
  const appId = 'app_outbox_test';
  await storage.apps.create({ id: appId, name: 'outbox test', createdAt: new Date().toISOString() });
  const publisher = createEventPublisher({ events: storage.events, broker, metrics, idempotencyWindowMs: 86_400_000 });
  const relays: OutboxRelay[] = [];
  const file = defaultOutboxFile(dir.path);
  let outbox = createSqliteOutbox({ file });
  await outbox.start();
  const received: EventMessage[] = [];
  let consuming = false;

  const platform: OutboxPlatform = {
    dataDir: dir.path,
    storage,
    broker,
    realBroker,
    metrics,
    appId,
    outbox,
    async startRelay(options = {}) {
      const relay = createOutboxRelay({ outbox, publisher, logger: testLogger, metrics, ...FAST_RELAY, ...options });
      relays.push(relay);
      await relay.start();
      return relay;
    },
    async restartOutbox() {
      for (const relay of relays.splice(0)) await relay.stop();
      await outbox.close();
      outbox = createSqliteOutbox({ file });
      await outbox.start();
      platform.outbox = outbox;
      return outbox;
    },
    async takeEvents(count, timeoutMs = 10_000) {
      if (!consuming) {
        consuming = true;
        await realBroker.consume('events', async (message) => void received.push(message.body), { concurrency: 1 });
      }
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`${received.length} of ${count} events arrived within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received.slice(0, count);
    },
    async stop() {
      for (const relay of relays.splice(0)) await relay.stop();
      broker.restore();
      await outbox.close();
      await realBroker.close();
      await storage.close();
      dir.remove();
    },
  };
  return platform;
}
