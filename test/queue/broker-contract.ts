import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError, UnrecoverableError } from '../../shared/errors/index.js';
import { QUEUE_NAMES, type DeliveryMessage, type QueueMessages, type QueueName } from '../../queue/messages.js';
import type { MessageBroker, ReceivedMessage } from '../../queue/ports/message-broker.js';

/** What a contract test may tune on the adapter; every adapter takes these three. */
export interface BrokerTestOptions {
  maxDeliveries: number;
  redeliveryBackoffMs: (deliveryCount: number) => number;
  /** How long `close()` and `Consumer.stop()` wait for handlers: short, so a handler that never settles does not stall a test. */
  stopTimeoutMs: number;
}

export interface BrokerUnderTest {
  /** Started, with empty queues that no other test sees. */
  broker: MessageBroker;
  /** Starts another broker on the same durable state (file, prefix), as a restarted process would. */
  reopen(): Promise<MessageBroker>;
  /** Closes every broker it made and removes their state. */
  cleanup(): Promise<void>;
}

export type BrokerFactory = (options: BrokerTestOptions) => Promise<BrokerUnderTest>;

const DEFAULTS: BrokerTestOptions = { maxDeliveries: 3, redeliveryBackoffMs: () => 400, stopTimeoutMs: 300 };
/** Long enough for a wrongly redelivered or wrongly handed-out message to show up in either adapter. */
const QUIET_MS = 1_500;
const WAIT = { timeout: 10_000, interval: 25 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and the function that resolves it, to hold a handler until the test lets go. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

function aDelivery(n: number): DeliveryMessage {
  const now = new Date().toISOString();
  return {
    v: 1,
    deliveryId: `dlv_${n}`,
    appId: 'app_contract',
    subscriptionId: 'sub_contract',
    envelope: { id: `evt_${n}`, type: 'order.created', timestamp: now, data: { n } },
    attempt: 1,
    createdAt: now,
    eventReceivedAt: now,
  };
}

/** Matches a delivery body by what identifies it, whatever its timestamps. */
function aDeliveryLike(n: number): Partial<DeliveryMessage> {
  return { deliveryId: `dlv_${n}`, envelope: expect.objectContaining({ id: `evt_${n}` }) };
}

function aMessage<Q extends QueueName>(queue: Q, n: number): QueueMessages[Q] {
  const now = new Date().toISOString();
  const samples: QueueMessages = {
    events: { v: 1, appId: 'app_contract', event: { id: `evt_${n}`, type: 'order.created', timestamp: now, data: { n } }, receivedAt: now },
    deliveries: aDelivery(n),
    results: { v: 1, kind: 'subscription.disabled', appId: 'app_contract', subscriptionId: `sub_${n}`, reason: 'gone', at: now },
    merges: { v: 1, windowId: `win_${n}`, subscriptionId: 'sub_contract', appId: 'app_contract' },
  };
  return samples[queue];
}

/**
 * The message broker port contract, run unchanged against every adapter (embedded, RabbitMQ)
 * so the two run modes cannot drift. Each test asks `makeBroker` for a fresh, started broker
 * with the options it needs; the suite cleans up after each test.
 *
 * `embedded-adapter.test.ts` and `rabbitmq-contract.test.ts` show a factory.
 */
export function describeBrokerContract(name: string, makeBroker: BrokerFactory): void {
  describe(`message broker contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function setUp(overrides: Partial<BrokerTestOptions> = {}): Promise<BrokerUnderTest> {
      const made = await makeBroker({ ...DEFAULTS, ...overrides });
      cleanups.push(made.cleanup);
      return made;
    }

    it.each(QUEUE_NAMES)('delivers a message published to %s once, with deliveryCount 1, and forgets it on ack', async (queue) => {
      const { broker } = await setUp();
      const body = aMessage(queue, 1);
      await broker.publish(queue, body);
      expect(await broker.depth(queue)).toBe(1);

      const held = gate();
      const received: ReceivedMessage<unknown>[] = [];
      await broker.consume(queue, async (message) => {
        received.push(message);
        await held.wait;
      }, { concurrency: 1 });
      await vi.waitFor(() => expect(received).toHaveLength(1), WAIT);
      expect(received[0]).toMatchObject({ body, deliveryCount: 1 });
      expect(received[0]?.id).toMatch(/.+/);
      // Depth counts messages waiting (ready or delayed); one in a handler's hands is not waiting.
      await vi.waitFor(async () => expect(await broker.depth(queue)).toBe(0), WAIT);

      held.open();
      await sleep(QUIET_MS);
      expect(received).toHaveLength(1);
      expect(await broker.depth(queue)).toBe(0);
      expect(await broker.deadLetters(queue, 10)).toEqual([]);
    });

    it('hands messages to a single consumer of concurrency 1 in the order they were published', async () => {
      const { broker } = await setUp();
      for (let n = 0; n < 10; n += 1) await broker.publish('deliveries', aDelivery(n));
      const order: string[] = [];
      await broker.consume('deliveries', async ({ body }) => void order.push(body.deliveryId), { concurrency: 1 });
      await vi.waitFor(() => expect(order).toHaveLength(10), WAIT);
      expect(order).toEqual(Array.from({ length: 10 }, (_, n) => `dlv_${n}`));
    });

    it('runs exactly `concurrency` handlers at once while more messages wait', async () => {
      const { broker } = await setUp();
      for (let n = 0; n < 7; n += 1) await broker.publish('deliveries', aDelivery(n));
      const held = gate();
      const handled = new Set<string>();
      let running = 0;
      let most = 0;
      await broker.consume('deliveries', async ({ body }) => {
        running += 1;
        most = Math.max(most, running);
        await held.wait;
        running -= 1;
        handled.add(body.deliveryId);
      }, { concurrency: 3 });

      await vi.waitFor(() => expect(running).toBe(3), WAIT);
      await sleep(QUIET_MS);
      expect(running).toBe(3);
      expect(await broker.depth('deliveries')).toBe(4);

      held.open();
      await vi.waitFor(() => expect(handled.size).toBe(7), WAIT);
      expect(most).toBe(3);
    });

    it('holds a delayed message until its delay has passed, without holding back the messages behind it', async () => {
      const { broker } = await setUp();
      const received: { id: string; at: number }[] = [];
      await broker.consume('deliveries', async ({ body }) => void received.push({ id: body.deliveryId, at: Date.now() }), { concurrency: 1 });

      const publishedAt = Date.now();
      await broker.publish('deliveries', aDelivery(1), { delayMs: 2_000 });
      await broker.publish('deliveries', aDelivery(2));
      await vi.waitFor(() => expect(received.map((r) => r.id)).toEqual(['dlv_2']), WAIT);
      expect(await broker.depth('deliveries')).toBe(1);

      await vi.waitFor(() => expect(received.map((r) => r.id)).toEqual(['dlv_2', 'dlv_1']), WAIT);
      expect((received[1]?.at ?? 0) - publishedAt).toBeGreaterThanOrEqual(2_000);
      expect(await broker.depth('deliveries')).toBe(0);
    });

    it('reports consumer lag: how long the oldest due message has waited, whether its consumer is busy or absent; 0 once taken, and for a delayed one', async () => {
      const { broker } = await setUp();
      expect(await broker.consumerLag('deliveries')).toBe(0);
      const held = gate();
      const taken: string[] = [];
      const consumer = await broker.consume('deliveries', async ({ body }) => {
        taken.push(body.deliveryId);
        if (body.deliveryId === 'dlv_1') await held.wait;
      }, { concurrency: 1 });
      expect(consumer.isConsuming()).toBe(true);

      const firstPublishAt = Date.now();
      await broker.publish('deliveries', aDelivery(1));
      await vi.waitFor(() => expect(taken).toEqual(['dlv_1']), WAIT);
      // Due now, and waiting: the one consumer is busy.
      await broker.publish('deliveries', aDelivery(2));
      // Due now, and waiting: nobody consumes merges. A scraper reads the lag from now on.
      await broker.publish('merges', aMessage('merges', 1));
      expect(await broker.consumerLag('merges')).toBeLessThan(1);
      await sleep(2_100);

      const busy = await broker.consumerLag('deliveries');
      expect(busy).toBeGreaterThanOrEqual(2);
      expect(busy).toBeLessThanOrEqual((Date.now() - firstPublishAt) / 1000);
      const absent = await broker.consumerLag('merges');
      expect(absent).toBeGreaterThanOrEqual(2);
      expect(absent).toBeLessThanOrEqual((Date.now() - firstPublishAt) / 1000);

      held.open();
      await vi.waitFor(() => expect(taken).toEqual(['dlv_1', 'dlv_2']), WAIT);
      await vi.waitFor(async () => expect(await broker.consumerLag('deliveries')).toBe(0), WAIT);
      await broker.consume('merges', async () => undefined, { concurrency: 1 });
      await vi.waitFor(async () => expect(await broker.consumerLag('merges')).toBe(0), WAIT);

      // Not due yet: waiting, but not lagging.
      await broker.publish('deliveries', aDelivery(3), { delayMs: 60_000 });
      expect(await broker.depth('deliveries')).toBe(1);
      expect(await broker.consumerLag('deliveries')).toBe(0);

      await consumer.stop();
      expect(consumer.isConsuming()).toBe(false);
    });

    it('redelivers a failed message after the back-off with a growing deliveryCount, then dead-letters it after maxDeliveries', async () => {
      const { broker } = await setUp({ maxDeliveries: 3, redeliveryBackoffMs: () => 400 });
      const attempts: ReceivedMessage<DeliveryMessage>[] = [];
      const attemptedAt: number[] = [];
      await broker.consume('deliveries', async (message) => {
        attempts.push(message);
        attemptedAt.push(Date.now());
        throw new Error(`receiver down (${message.deliveryCount})`);
      }, { concurrency: 1 });
      await broker.publish('deliveries', aDelivery(5));

      await vi.waitFor(async () => expect(await broker.deadLetters('deliveries', 10)).toHaveLength(1), WAIT);
      expect(attempts.map((a) => a.deliveryCount)).toEqual([1, 2, 3]);
      expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
      expect(attempts.every((a) => a.body.deliveryId === 'dlv_5')).toBe(true);
      for (let n = 1; n < attemptedAt.length; n += 1) {
        expect((attemptedAt[n] ?? 0) - (attemptedAt[n - 1] ?? 0)).toBeGreaterThanOrEqual(400);
      }
      const [dead] = await broker.deadLetters('deliveries', 10);
      expect(dead).toMatchObject({ id: attempts[0]?.id, body: aDeliveryLike(5) });
      expect(dead?.reason).toContain('receiver down (3)');
      expect(Date.parse(dead?.deadAt ?? '')).not.toBeNaN();

      await sleep(QUIET_MS);
      expect(attempts).toHaveLength(3);
      expect(await broker.depth('deliveries')).toBe(0);
    });

    it('dead-letters at once, without a redelivery, a message whose handler throws UnrecoverableError', async () => {
      const { broker } = await setUp({ redeliveryBackoffMs: () => 200 });
      const attempts: ReceivedMessage<DeliveryMessage>[] = [];
      await broker.consume('deliveries', async (message) => {
        attempts.push(message);
        throw new UnrecoverableError('transform failed: no such field');
      }, { concurrency: 1 });
      await broker.publish('deliveries', aDelivery(6));

      await vi.waitFor(async () => expect(await broker.deadLetters('deliveries', 10)).toHaveLength(1), WAIT);
      const [dead] = await broker.deadLetters('deliveries', 10);
      expect(dead).toMatchObject({ id: attempts[0]?.id, body: aDeliveryLike(6) });
      expect(dead?.reason).toContain('transform failed: no such field');

      await sleep(QUIET_MS);
      expect(attempts.map((a) => a.deliveryCount)).toEqual([1]);
      expect(await broker.depth('deliveries')).toBe(0);
    });

    it('Consumer.stop() waits for the handler in hand to finish, then hands out nothing more', async () => {
      const { broker } = await setUp({ stopTimeoutMs: 10_000 });
      const held = gate();
      const events: string[] = [];
      const consumer = await broker.consume('deliveries', async ({ body }) => {
        events.push(`start ${body.deliveryId}`);
        await held.wait;
        events.push(`end ${body.deliveryId}`);
      }, { concurrency: 1 });
      await broker.publish('deliveries', aDelivery(1));
      await vi.waitFor(() => expect(events).toEqual(['start dlv_1']), WAIT);

      const stopped = consumer.stop().then(() => void events.push('stopped'));
      await sleep(300);
      expect(events).toEqual(['start dlv_1']);
      held.open();
      await stopped;
      expect(events).toEqual(['start dlv_1', 'end dlv_1', 'stopped']);

      await broker.publish('deliveries', aDelivery(2));
      await sleep(QUIET_MS);
      expect(events).toEqual(['start dlv_1', 'end dlv_1', 'stopped']);
      expect(await broker.depth('deliveries')).toBe(1);
    });

    it('after a restart, delivers again (deliveryCount 2) a message whose handler never settled before close(), and not one that was acked', async () => {
      const { broker, reopen } = await setUp({ stopTimeoutMs: 300 });
      const settled: string[] = [];
      const firstRun: ReceivedMessage<DeliveryMessage>[] = [];
      await broker.consume('deliveries', async (message) => {
        firstRun.push(message);
        if (message.body.deliveryId === 'dlv_2') await new Promise<never>(() => undefined);
        settled.push(message.body.deliveryId);
      }, { concurrency: 2 });
      await broker.publish('deliveries', aDelivery(1));
      await broker.publish('deliveries', aDelivery(2));
      await vi.waitFor(() => expect(firstRun).toHaveLength(2), WAIT);
      await vi.waitFor(() => expect(settled).toEqual(['dlv_1']), WAIT);
      await broker.close();

      const restarted = await reopen();
      const secondRun: ReceivedMessage<DeliveryMessage>[] = [];
      await restarted.consume('deliveries', async (message) => void secondRun.push(message), { concurrency: 2 });
      await vi.waitFor(() => expect(secondRun).toHaveLength(1), WAIT);
      const held = firstRun.find((message) => message.body.deliveryId === 'dlv_2');
      expect(secondRun[0]).toMatchObject({ id: held?.id, body: aDeliveryLike(2), deliveryCount: 2 });

      await sleep(QUIET_MS);
      expect(secondRun).toHaveLength(1);
      expect(await restarted.depth('deliveries')).toBe(0);
    });

    it('announces a notice to every listener, succeeds with none, and stops telling a listener that stopped', async () => {
      const { broker } = await setUp();
      await expect(broker.announce({ v: 1, kind: 'subscription.changed', subscriptionId: 'sub_nobody' })).resolves.toBeUndefined();
      const first: unknown[] = [];
      const second: unknown[] = [];
      const firstListener = await broker.listen((notice) => first.push(notice));
      await broker.listen((notice) => second.push(notice));
      const notice = { v: 1 as const, kind: 'subscription.changed' as const, subscriptionId: 'sub_1', appId: 'app_contract' };
      await broker.announce(notice);
      await vi.waitFor(() => expect([first, second]).toEqual([[notice], [notice]]), WAIT);

      expect(firstListener.isConsuming()).toBe(true);
      await firstListener.stop();
      expect(firstListener.isConsuming()).toBe(false);
      await broker.announce({ ...notice, subscriptionId: 'sub_2' });
      await vi.waitFor(() => expect(second).toHaveLength(2), WAIT);
      await sleep(QUIET_MS);
      expect(first).toHaveLength(1);
    });

    it('after close(), reports not ready and rejects a publish with UnavailableError', async () => {
      const { broker } = await setUp();
      expect(await broker.ping()).toBe(true);
      await broker.close();
      expect(await broker.ping()).toBe(false);
      await expect(broker.publish('deliveries', aDelivery(1))).rejects.toBeInstanceOf(UnavailableError);
    });
  });
}
