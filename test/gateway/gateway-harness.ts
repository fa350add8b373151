import { join } from 'node:path';
import { expect } from 'vitest';
import { createGatewayApp } from '../../gateway/index.js';
import { createOutboxRelay, createSqliteOutbox, defaultOutboxFile } from '../../gateway/outbox/index.js';
import { createEmbeddedBroker } from '../../queue/adapters/embedded/index.js';
import type { QueueMessages, QueueName } from '../../queue/messages.js';
import type { MessageBroker } from '../../queue/ports/message-broker.js';
import { loadConfig, type HookgateConfig } from '../../shared/config/index.js';
import { startHttpServer, type RunningServer } from '../../shared/http/http-server.js';
import { createLogger } from '../../shared/logger.js';
import { HookgateMetrics } from '../../shared/metrics.js';
import { KeyHasher, safeEqual } from '../../shared/security/key-hash.js';
import { SecretBox } from '../../shared/security/secret-box.js';
import { newId } from '../../shared/ids.js';
import type { Delivery } from '../../shared/types.js';
import { createSqliteStorage } from '../../storage/adapters/sqlite/index.js';
import type { Storage } from '../../storage/ports/index.js';
import { ApiClient, createAppWithKey, eventually, type ApiResponse } from '../support/api-client.js';
import { makeTempDir } from '../support/temp-dir.js';

export const ADMIN_TOKEN = 'gateway-test-admin-token-0123456789';

export interface GatewayHarnessOptions {
  /** `HOOKGATE_*` variables on top of the test defaults. */
  env?: Record<string, string>;
  readinessChecks?: Record<string, () => Promise<boolean>>;
}

export interface GatewayHarness {
  url: string;
  config: HookgateConfig;
  /** Calls with the operator token. */
  admin: ApiClient;
  /** Calls without credentials. */
  anonymous: ApiClient;
  storage: Storage;
  broker: MessageBroker;
  secretBox: SecretBox;
  metrics: HookgateMetrics;
  /** Creates an app and an API key for it through the API, as the operator. */
  createApp(name: string): Promise<{ appId: string; client: ApiClient; key: string }>;
  /** Consumes `count` messages of a queue (acknowledging them) and returns their bodies. */
  takeMessages<Q extends QueueName>(queue: Q, count: number): Promise<QueueMessages[Q][]>;
  /** Makes a delivery of the event to the subscription with one failed attempt, as the processor would record it. */
  recordFailedDelivery(input: { appId: string; eventId: string; subscriptionId: string; status?: 'failed' | 'dead' }): Promise<Delivery>;
  closeBroker(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The gateway on a free loopback port over the real SQLite store and the real embedded broker,
 * both in a fresh temp dir; no processor runs, so published messages stay in their queues.
 */
export async function startGateway(options: GatewayHarnessOptions = {}): Promise<GatewayHarness> {
  const dir = makeTempDir('gateway');
  const config = loadConfig({
    HOOKGATE_DATA_DIR: dir.path,
    HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    HOOKGATE_LOG_LEVEL: process.env.HOOKGATE_TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const logger = createLogger(config.logLevel);
  const storage = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite'), logger });
  await storage.start();
  const broker = createEmbeddedBroker({ file: join(dir.path, 'queue.sqlite'), logger });
  await broker.start();
  const encryptionKey = SecretBox.generateKey();
  const secretBox = new SecretBox(encryptionKey);
  const metrics = new HookgateMetrics('gateway');
  // emit-event writes here; the relay publishes to the broker as the gateway process does.
  const outbox = createSqliteOutbox({ file: defaultOutboxFile(dir.path) });
  await outbox.start();
  const { app, publisher } = await createGatewayApp({
    outbox,
    config,
    storage,
    broker,
    secretBox,
    keyHasher: new KeyHasher(encryptionKey),
    isAdminToken: (token) => safeEqual(token, ADMIN_TOKEN),
    logger,
    metrics,
    ...(options.readinessChecks ? { readinessChecks: options.readinessChecks } : {}),
  });
  const relay = createOutboxRelay({ outbox, publisher, logger, metrics });
  await relay.start();
  const server: RunningServer = await startHttpServer(app, 0, '127.0.0.1');
  const admin = new ApiClient(server.url, ADMIN_TOKEN);
  let brokerClosed = false;

  return {
    url: server.url,
    config,
    admin,
    anonymous: new ApiClient(server.url),
    storage,
    broker,
    secretBox,
    metrics,
    createApp: (name) => createAppWithKey(admin, name),
    async takeMessages(queue, count) {
      const bodies: QueueMessages[typeof queue][] = [];
      const consumer = await broker.consume(
        queue,
        async (message) => {
          bodies.push(message.body);
        },
        { concurrency: 1 },
      );
      try {
        await eventually(async () => (bodies.length >= count ? true : undefined), 5_000);
      } finally {
        await consumer.stop();
      }
      return bodies;
    },
    async recordFailedDelivery({ appId, eventId, subscriptionId, status = 'failed' }) {
      const id = newId('delivery');
      const createdAt = new Date().toISOString();
      const ref = { id, appId, eventId, subscriptionId, createdAt };
      await storage.deliveries.recordScheduled(ref);
      await storage.deliveries.recordAttempt(
        ref,
        { id: newId('attempt'), deliveryId: id, number: 1, at: createdAt, statusCode: 500, durationMs: 12, error: 'HTTP 500', responseBody: 'down' },
        { status, lastError: 'HTTP 500', ...(status === 'failed' ? { nextAttemptAt: new Date(Date.now() + 60_000).toISOString() } : {}) },
      );
      const delivery = await storage.deliveries.get(id, appId);
      if (delivery === null) throw new Error(`delivery ${id} was not recorded`);
      return delivery;
    },
    async closeBroker() {
      brokerClosed = true;
      await broker.close();
    },
    async stop() {
      await server.close(1_000);
      await relay.stop();
      await outbox.close();
      if (!brokerClosed) await broker.close();
      await storage.close();
      dir.remove();
    },
  };
}

/** Asserts an RFC 9457 answer: status, problem+json content type and the stable `type` of its kind. */
export function expectProblem(response: ApiResponse, status: number, slug: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: `https://hookgate.dev/problems/${slug}`, status });
}

/** A subscription body that passes validation with private URLs refused. */
export function subscriptionBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: 'https://hooks.example.com/hookgate', events: ['order.*'], ...overrides };
}
