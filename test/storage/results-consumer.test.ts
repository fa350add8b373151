import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnrecoverableError } from '../../shared/errors/index.js';
import { newId } from '../../shared/ids.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { HookgateMetrics } from '../../shared/metrics.js';
import type { Subscription } from '../../shared/types.js';
import type { DeliveryRef, ResultMessage } from '../../queue/messages.js';
import { createSqliteStorage } from '../../storage/adapters/sqlite/index.js';
import type { Storage } from '../../storage/ports/index.js';
import { applyResult, type EndpointHealthRules } from '../../storage/results-consumer.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('applyResult on SQLite storage', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let storage: Storage;
  let appId: string;
  let subscription: Subscription;
  let delivery: DeliveryRef;

  beforeEach(async () => {
    dir = makeTempDir('results');
    storage = createSqliteStorage({ file: join(dir.path, 'hookgate.sqlite'), logger: createLogger('silent') });
    await storage.start();
    appId = newId('app');
    await storage.apps.create({ id: appId, name: 'shop', createdAt: '2026-03-01T10:00:00.000Z' });
    subscription = {
      id: newId('subscription'),
      appId,
      url: 'https://hooks.example.com/in',
      events: ['#'],
      enabled: true,
      createdAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:00.000Z',
    };
    await storage.subscriptions.create(subscription, { current: 'enc' });
    delivery = { id: newId('delivery'), appId, eventId: newId('event'), subscriptionId: subscription.id, createdAt: '2026-03-01T10:00:01.000Z' };
  });

  afterEach(async () => {
    await storage.close();
    dir.remove();
  });

  function attemptMessage(number: number, status: 'failed' | 'succeeded' | 'dead', statusCode: number): Extract<ResultMessage, { kind: 'attempt.recorded' }> {
    return {
      v: 1,
      kind: 'attempt.recorded',
      delivery,
      attempt: {
        id: newId('attempt'),
        deliveryId: delivery.id,
        number,
        at: `2026-03-01T10:00:0${number + 1}.000Z`,
        statusCode,
        durationMs: 30,
        error: status === 'succeeded' ? null : `HTTP ${statusCode}`,
        responseBody: status === 'succeeded' ? 'ok' : 'nope',
      },
      outcome: status === 'failed' ? { status, nextAttemptAt: '2026-03-01T10:05:00.000Z', lastError: `HTTP ${statusCode}` } : { status },
    };
  }

  it('records a scheduled delivery as pending, and a redelivered message changes nothing', async () => {
    const message: ResultMessage = { v: 1, kind: 'delivery.scheduled', delivery };
    await applyResult(storage, message);
    await applyResult(storage, message);
    const listed = await storage.deliveries.list(appId, { subscriptionId: subscription.id }, { limit: 10 });
    expect(listed.data).toEqual([{ ...delivery, status: 'pending', attemptCount: 0, updatedAt: delivery.createdAt }]);
  });

  it('records attempts and the delivery outcome they lead to', async () => {
    await applyResult(storage, { v: 1, kind: 'delivery.scheduled', delivery });
    const failed = attemptMessage(1, 'failed', 503);
    await applyResult(storage, failed);
    expect(await storage.deliveries.get(delivery.id, appId)).toMatchObject({
      status: 'failed',
      attemptCount: 1,
      lastError: 'HTTP 503',
      nextAttemptAt: '2026-03-01T10:05:00.000Z',
    });

    const succeeded = attemptMessage(2, 'succeeded', 200);
    await applyResult(storage, succeeded);
    await applyResult(storage, failed);
    const stored = await storage.deliveries.get(delivery.id, appId);
    expect(stored).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    expect(stored?.attempts.map((attempt) => [attempt.number, attempt.statusCode])).toEqual([
      [1, 503],
      [2, 200],
    ]);
  });

  it('disables the subscription with the reason, so the processor no longer matches it', async () => {
    await applyResult(storage, {
      v: 1,
      kind: 'subscription.disabled',
      appId,
      subscriptionId: subscription.id,
      reason: 'The endpoint answered 410 Gone.',
      at: '2026-03-01T11:00:00.000Z',
    });
    expect(await storage.subscriptions.get(subscription.id, appId)).toMatchObject({
      enabled: false,
      disabledReason: 'The endpoint answered 410 Gone.',
      updatedAt: '2026-03-01T11:00:00.000Z',
    });
    expect(await storage.subscriptions.listEnabled(appId)).toEqual([]);
  });

  it('skips a disable older than the last change to the subscription, and one for a deleted subscription', async () => {
    await storage.subscriptions.update(subscription.id, appId, { url: 'https://hooks.example.com/fixed' }, '2026-03-01T12:00:00.000Z');
    const stale: ResultMessage = {
      v: 1,
      kind: 'subscription.disabled',
      appId,
      subscriptionId: subscription.id,
      reason: 'The endpoint answered 410 Gone.',
      at: '2026-03-01T11:00:00.000Z',
    };
    await applyResult(storage, stale);
    expect(await storage.subscriptions.get(subscription.id, appId)).toMatchObject({ enabled: true, url: 'https://hooks.example.com/fixed' });

    await storage.subscriptions.delete(subscription.id, appId);
    await expect(applyResult(storage, { ...stale, at: '2026-03-01T13:00:00.000Z' })).resolves.toBeUndefined();
  });

  it('refuses, as unrecoverable, an unknown schema version, an unknown kind, or a malformed message', async () => {
    const scheduled = { v: 1, kind: 'delivery.scheduled', delivery };
    const unreadable = [
      { ...scheduled, v: 2 },
      { ...scheduled, kind: 'delivery.exploded' },
      { ...scheduled, delivery: { ...delivery, appId: undefined } },
      { ...attemptMessage(1, 'failed', 500), outcome: { status: 'lost' } },
      null,
    ];
    for (const body of unreadable) {
      await expect(applyResult(storage, body as unknown as ResultMessage)).rejects.toBeInstanceOf(UnrecoverableError);
    }
    expect((await storage.deliveries.list(undefined, {}, { limit: 10 })).data).toEqual([]);
  });

  describe('subscriptions disabled: counted once, by a bounded reason, and logged on the delivery\'s trace', () => {
    const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    let metrics: HookgateMetrics;
    let lines: Record<string, unknown>[];
    let logger: Logger;
    const announced: string[] = [];

    beforeEach(() => {
      metrics = new HookgateMetrics('storage');
      lines = [];
      logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
      announced.length = 0;
    });

    async function disabledCount(reason: string): Promise<number> {
      const { values } = await metrics.subscriptionsDisabled.get();
      return values.filter((value) => value.labels.reason === reason).reduce((total, value) => total + value.value, 0);
    }

    function rules(policy: EndpointHealthRules['policy']): EndpointHealthRules {
      return { policy, announce: async (_appId, data) => void announced.push(data.reason) };
    }

    function deadAttempt(number: number, at: string): ResultMessage {
      const message = attemptMessage(number, 'dead', 500);
      return { ...message, attempt: { ...message.attempt, at }, traceparent: TRACEPARENT };
    }

    it('unhealthy: HOOKGATE_DISABLE_AFTER_DEAD dead deliveries in a row, logged with their traceparent', async () => {
      const effects = { endpointHealth: rules({ maxConsecutiveDead: 2, maxFailingMs: 86_400_000 }), metrics, logger };
      await applyResult(storage, deadAttempt(1, '2026-03-01T10:00:05.000Z'), effects);
      expect(await disabledCount('unhealthy')).toBe(0);
      const second = deadAttempt(2, '2026-03-01T10:00:06.000Z');
      await applyResult(storage, second, effects);
      await applyResult(storage, second, effects);

      expect(await disabledCount('unhealthy')).toBe(1);
      expect(await disabledCount('failing')).toBe(0);
      expect(announced).toEqual(['2 deliveries in a row ended dead.']);
      expect(await storage.subscriptions.get(subscription.id, appId)).toMatchObject({ enabled: false });
      const traced = lines.filter((line) => line.traceparent === TRACEPARENT);
      expect(traced.map((line) => line.msg)).toEqual(['attempt stored', 'attempt stored', 'subscription disabled', 'attempt stored']);
      expect(traced[0]).toMatchObject({ deliveryId: delivery.id, subscriptionId: subscription.id, attempt: 1, status: 'dead' });
      expect(traced[2]).toMatchObject({ subscriptionId: subscription.id, cause: 'unhealthy' });
    });

    it('failing: no success for HOOKGATE_DISABLE_AFTER_FAILING', async () => {
      const effects = { endpointHealth: rules({ maxConsecutiveDead: 50, maxFailingMs: 60_000 }), metrics, logger };
      await applyResult(storage, deadAttempt(1, '2026-03-01T10:00:05.000Z'), effects);
      await applyResult(storage, deadAttempt(2, '2026-03-01T10:02:05.000Z'), effects);
      expect(await disabledCount('failing')).toBe(1);
      expect(await disabledCount('unhealthy')).toBe(0);
      expect(announced).toEqual(['The endpoint has failed every delivery since 2026-03-01T10:00:05.000Z.']);
    });

    it('gone: the processor\'s 410 verdict, counted when the subscription is disabled, not when the disable is stale or repeated', async () => {
      const gone: ResultMessage = {
        v: 1,
        kind: 'subscription.disabled',
        appId,
        subscriptionId: subscription.id,
        reason: 'The endpoint answered 410 Gone.',
        cause: 'gone',
        at: '2026-03-01T09:00:00.000Z',
        traceparent: TRACEPARENT,
      };
      await applyResult(storage, gone, { metrics, logger });
      expect(await disabledCount('gone')).toBe(0);

      await applyResult(storage, { ...gone, at: '2026-03-01T11:00:00.000Z' }, { metrics, logger });
      await applyResult(storage, { ...gone, at: '2026-03-01T11:00:00.000Z' }, { metrics, logger });
      expect(await disabledCount('gone')).toBe(1);
      expect(lines.filter((line) => line.msg === 'subscription disabled')).toEqual([
        expect.objectContaining({ traceparent: TRACEPARENT, subscriptionId: subscription.id, cause: 'gone', level: 40 }),
      ]);
    });

    it('stores a result whose traceparent cannot be read, and logs it without one', async () => {
      await applyResult(storage, { v: 1, kind: 'delivery.scheduled', delivery, traceparent: 'not-a-trace' }, { logger });
      expect(await storage.deliveries.get(delivery.id, appId)).toMatchObject({ status: 'pending' });
      expect(lines).toEqual([expect.objectContaining({ msg: 'delivery scheduled stored', deliveryId: delivery.id })]);
      expect(lines[0]).not.toHaveProperty('traceparent');
    });
  });
});
