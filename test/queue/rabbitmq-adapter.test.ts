import { afterEach, describe, expect, it } from 'vitest';
import { UnavailableError, UnrecoverableError } from '../../shared/errors/index.js';
import type { DeliveryMessage, EventMessage } from '../../queue/messages.js';
import type { MessageBroker, ReceivedMessage } from '../../queue/ports/message-broker.js';
import { brokerNames, createRabbitMqBroker, type RabbitMqBrokerOptions } from '../../queue/adapters/rabbitmq/index.js';
import {
  AMQP_URL,
  countConnections,
  deleteTopology,
  eventually,
  forceCloseConnection,
  openObserver,
  testLogger,
  uniquePrefix,
  type Observer,
} from './fixtures/rabbitmq-harness.js';

function anEvent(n: number, type = 'order.created'): EventMessage {
  return {
    v: 1,
    appId: 'app_test',
    event: { id: `evt_${n}`, type, timestamp: new Date().toISOString(), data: { n } },
    receivedAt: new Date().toISOString(),
  };
}

function aDelivery(n: number): DeliveryMessage {
  const now = new Date().toISOString();
  return {
    v: 1,
    deliveryId: `dlv_${n}`,
    appId: 'app_test',
    subscriptionId: 'sub_test',
    envelope: { id: `evt_${n}`, type: 'order.created', timestamp: now, data: { n } },
    attempt: 1,
    createdAt: now,
    eventReceivedAt: now,
  };
}

/** A promise and the function that resolves it, to hold a handler until the test lets go. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('RabbitMQ broker adapter', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(overrides: Partial<RabbitMqBrokerOptions> = {}): Promise<{
    broker: MessageBroker;
    prefix: string;
    connectionName: string;
    observer: Observer;
  }> {
    const prefix = uniquePrefix();
    const connectionName = `${prefix}-adapter`;
    cleanups.push(() => deleteTopology(prefix));
    const observer = await openObserver();
    cleanups.push(() => observer.close());
    const broker = createRabbitMqBroker({ url: AMQP_URL, logger: testLogger, prefix, connectionName, ...overrides });
    cleanups.push(() => broker.close());
    await broker.start();
    return { broker, prefix, connectionName, observer };
  }

  it('declares quorum main and dead queues, topic exchanges, and lets others bind to the events exchange', async () => {
    const { broker, prefix, observer } = await setUp();
    const names = brokerNames(prefix);

    for (const queue of ['events', 'deliveries', 'results'] as const) {
      const channel = await observer.channel();
      await expect(channel.checkQueue(names.queues[queue].main)).resolves.toMatchObject({ messageCount: 0 });
      await expect(channel.checkQueue(names.queues[queue].dead)).resolves.toMatchObject({ messageCount: 0 });
      // Re-declaring as a classic queue is refused: the broker holds them as quorum queues.
      await expect(channel.assertQueue(names.queues[queue].main, { durable: true })).rejects.toMatchObject({ code: 406 });
      await expect((await observer.channel()).assertQueue(names.queues[queue].dead, { durable: true })).rejects.toMatchObject({ code: 406 });
    }
    await expect((await observer.channel()).assertExchange(names.exchanges.events, 'fanout', { durable: true })).rejects.toMatchObject({ code: 406 });
    await expect((await observer.channel()).assertExchange(names.exchanges.results, 'fanout', { durable: true })).rejects.toMatchObject({ code: 406 });

    const listener = await observer.channel();
    const own = await listener.assertQueue('', { exclusive: true });
    await listener.bindQueue(own.queue, names.exchanges.events, 'order.*');
    await broker.publish('events', anEvent(1, 'order.created'), { routingKey: 'order.created' });
    await broker.publish('events', anEvent(2, 'invoice.paid'), { routingKey: 'invoice.paid' });

    await eventually(async () => (await listener.checkQueue(own.queue)).messageCount === 1, 5_000, 'the bound queue to get the order event');
    const got = await listener.get(own.queue, { noAck: true });
    expect(got && JSON.parse(got.content.toString())).toMatchObject({ event: { id: 'evt_1', type: 'order.created' } });
    expect(got && got.properties).toMatchObject({ contentType: 'application/json', deliveryMode: 2 });
    expect(await broker.depth('events')).toBe(2);
  });

  it('holds a delayed message in a wait queue and delivers it no sooner than the delay', async () => {
    const { broker, prefix, observer } = await setUp();
    const names = brokerNames(prefix);
    const received: { message: ReceivedMessage<DeliveryMessage>; at: number }[] = [];
    await broker.consume('deliveries', async (message) => void received.push({ message, at: Date.now() }), { concurrency: 1 });

    const publishedAt = Date.now();
    await broker.publish('deliveries', aDelivery(7), { delayMs: 1_500 });

    const waitQueue = names.queues.deliveries.waitQueue(2_000);
    expect((await (await observer.channel()).checkQueue(waitQueue)).messageCount).toBe(1);
    expect(await broker.depth('deliveries')).toBe(1);
    expect(received).toHaveLength(0);

    await eventually(() => received.length === 1, 10_000, 'the delayed delivery');
    expect(received[0]?.message.body.deliveryId).toBe('dlv_7');
    expect(received[0]?.message.deliveryCount).toBe(1);
    expect((received[0]?.at ?? 0) - publishedAt).toBeGreaterThanOrEqual(1_500);
    expect(await broker.depth('deliveries')).toBe(0);
    // The wait queue was declared with the bucket's TTL: another TTL is refused.
    await expect((await observer.channel()).assertQueue(waitQueue, { durable: true, arguments: { 'x-message-ttl': 5 } })).rejects.toMatchObject({ code: 406 });
  });

  it('redelivers a failed message through a wait queue to its own queue only, then dead-letters it, keeping it on reading', async () => {
    const { broker, prefix, observer } = await setUp({ maxDeliveries: 2, redeliveryBackoffMs: () => 300 });
    const names = brokerNames(prefix);
    const listener = await observer.channel();
    const own = await listener.assertQueue('', { exclusive: true });
    await listener.bindQueue(own.queue, names.exchanges.events, '#');

    const counts: number[] = [];
    await broker.consume(
      'events',
      async (message) => {
        counts.push(message.deliveryCount);
        throw new Error(`receiver down (${message.deliveryCount})`);
      },
      { concurrency: 1 },
    );
    await broker.publish('events', anEvent(3));

    await eventually(async () => (await broker.deadLetters('events', 10)).length === 1, 10_000, 'the dead letter');
    expect(counts).toEqual([1, 2]);
    const [dead] = await broker.deadLetters('events', 10);
    expect(dead?.body).toMatchObject({ event: { id: 'evt_3' } });
    expect(dead?.reason).toContain('receiver down (2)');
    expect(Date.parse(dead?.deadAt ?? '')).not.toBeNaN();
    // Reading the dead letters does not take them away.
    expect((await (await observer.channel()).checkQueue(names.queues.events.dead)).messageCount).toBe(1);
    // The retry went back to our queue, not through the exchange: the other listener saw the event once.
    expect((await listener.checkQueue(own.queue)).messageCount).toBe(1);
  });

  it('dead-letters at once on UnrecoverableError and a body that is not JSON', async () => {
    const { broker, prefix, observer } = await setUp();
    const names = brokerNames(prefix);
    const seen: string[] = [];
    await broker.consume(
      'deliveries',
      async (message) => {
        seen.push(message.body.deliveryId);
        throw new UnrecoverableError('transform failed');
      },
      { concurrency: 2 },
    );
    await broker.publish('deliveries', aDelivery(1));
    const channel = await observer.channel();
    channel.sendToQueue(names.queues.deliveries.main, Buffer.from('not json {'), { messageId: 'raw-1', persistent: true });

    await eventually(async () => (await broker.deadLetters('deliveries', 10)).length === 2, 10_000, 'two dead letters');
    const letters = await broker.deadLetters('deliveries', 10);
    expect(seen).toEqual(['dlv_1']);
    expect(letters.map((letter) => letter.reason).sort()).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('transform failed'),
    ].sort());
    expect(await broker.deadLetters('deliveries', 1)).toHaveLength(1);
  });

  it('takes from the broker only as many messages as the consumer handles at once, unless told to prefetch more', async () => {
    const { broker, prefix, observer } = await setUp();
    const names = brokerNames(prefix);
    const held = gate();
    let running = 0;
    let most = 0;
    const consumer = await broker.consume(
      'deliveries',
      async () => {
        running += 1;
        most = Math.max(most, running);
        await held.wait;
        running -= 1;
      },
      { concurrency: 2 },
    );
    for (let n = 0; n < 5; n += 1) await broker.publish('deliveries', aDelivery(n));
    await eventually(() => running === 2, 5_000, 'two handlers');
    // Two in hand, three still ready on the broker for other consumers.
    await eventually(async () => (await (await observer.channel()).checkQueue(names.queues.deliveries.main)).messageCount === 3, 5_000, 'three ready');
    const stopped = consumer.stop();
    held.open();
    await stopped;
    expect(running).toBe(0);
    expect(most).toBe(2);

    const wider = createRabbitMqBroker({ url: AMQP_URL, logger: testLogger, prefix, prefetch: 4 });
    cleanups.push(() => wider.close());
    await wider.start();
    const slow = gate();
    let inHand = 0;
    await wider.consume('deliveries', async () => {
      inHand += 1;
      await slow.wait;
    }, { concurrency: 1 });
    for (let n = 5; n < 10; n += 1) await wider.publish('deliveries', aDelivery(n));
    // Eight ready (three left by the first consumer, five new); four of them handed out ahead.
    await eventually(async () => (await (await observer.channel()).checkQueue(names.queues.deliveries.main)).messageCount === 4, 5_000, 'four taken');
    expect(inHand).toBe(1);
    slow.open();
  });

  it('refuses a message no queue takes, and rebuilds its topology and consumer when its queue is deleted', async () => {
    const { broker, prefix, observer } = await setUp({ reconnectBackoffMs: () => 200 });
    const names = brokerNames(prefix);
    const received: string[] = [];
    await broker.consume('deliveries', async (message) => void received.push(message.body.deliveryId), { concurrency: 1 });

    await (await observer.channel()).deleteQueue(names.queues.results.main);
    await expect(
      broker.publish('results', { v: 1, kind: 'subscription.disabled', appId: 'app_test', subscriptionId: 'sub_test', reason: 'gone', at: new Date().toISOString() }),
    ).rejects.toBeInstanceOf(UnavailableError);

    // Deleting a consumed queue cancels the consumer; the adapter reconnects and declares everything again.
    await (await observer.channel()).deleteQueue(names.queues.deliveries.main);
    await eventually(
      () => broker.publish('deliveries', aDelivery(1)).then(() => true, () => false),
      10_000,
      'a publish after the rebuild',
    );
    await eventually(() => received.includes('dlv_1'), 10_000, 'the consumer to be back');
    expect((await (await observer.channel()).checkQueue(names.queues.results.main)).messageCount).toBe(0);
  });

  it('parks again a message that arrives before its time', async () => {
    const { broker, prefix, observer } = await setUp();
    const names = brokerNames(prefix);
    const received: number[] = [];
    await broker.consume('deliveries', async () => void received.push(Date.now()), { concurrency: 1 });
    const deliverAt = Date.now() + 2_500;
    (await observer.channel()).sendToQueue(names.queues.deliveries.main, Buffer.from(JSON.stringify(aDelivery(9))), {
      messageId: 'early-1',
      persistent: true,
      headers: { 'x-hookgate-deliver-at': deliverAt },
    });
    await eventually(async () => (await broker.depth('deliveries')) === 1 && received.length === 0, 5_000, 'the message to be parked');
    await eventually(() => received.length === 1, 10_000, 'the parked message');
    // The adapter tolerates one second of clock skew between processes.
    expect(received[0]).toBeGreaterThanOrEqual(deliverAt - 1_000);
  });

  it('resumes consuming after the broker drops its connection, loses nothing, and redelivers the message in hand', async () => {
    const { broker, connectionName } = await setUp({ reconnectBackoffMs: () => 300 });
    const held = gate();
    const deliveries: { id: string; count: number }[] = [];
    const handled = new Set<string>();
    const consumer = await broker.consume(
      'deliveries',
      async (message) => {
        deliveries.push({ id: message.body.deliveryId, count: message.deliveryCount });
        if (message.body.deliveryId === 'dlv_0' && message.deliveryCount === 1) await held.wait;
        handled.add(message.body.deliveryId);
      },
      { concurrency: 4 },
    );

    for (let n = 0; n < 5; n += 1) await broker.publish('deliveries', aDelivery(n));
    await eventually(() => handled.size === 4 && deliveries.some((d) => d.id === 'dlv_0'), 10_000, 'the first batch');

    expect(consumer.isConsuming()).toBe(true);
    await forceCloseConnection(connectionName);
    await eventually(async () => !(await broker.ping()), 5_000, 'the adapter to notice the drop');
    // Readiness checks read this: not consuming until the next connection subscribes it again.
    expect(consumer.isConsuming()).toBe(false);
    // The handler finishes on a dead channel: its ack is dropped, and the broker redelivers.
    held.open();
    await eventually(() => broker.ping(), 10_000, 'the reconnect');
    await eventually(() => consumer.isConsuming(), 5_000, 'the consumer to subscribe again');

    for (let n = 5; n < 10; n += 1) await broker.publish('deliveries', aDelivery(n));
    await eventually(() => handled.size === 10, 10_000, 'every delivery after the reconnect');
    const first = deliveries.filter((d) => d.id === 'dlv_0').map((d) => d.count);
    expect(first).toEqual([1, 2]);
    await eventually(async () => (await broker.depth('deliveries')) === 0, 5_000, 'an empty queue');
    expect(await broker.deadLetters('deliveries', 10)).toEqual([]);
  });

  it('announces notices to listeners in every process of the prefix, and listens again after a reconnect', async () => {
    const { broker, prefix, connectionName } = await setUp({ reconnectBackoffMs: () => 300 });
    const other = createRabbitMqBroker({ url: AMQP_URL, logger: testLogger, prefix, connectionName: `${prefix}-other` });
    cleanups.push(() => other.close());
    await other.start();
    const here: string[] = [];
    const there: string[] = [];
    await broker.listen((notice) => here.push(notice.subscriptionId));
    await other.listen((notice) => there.push(notice.subscriptionId));

    await other.announce({ v: 1, kind: 'subscription.changed', subscriptionId: 'sub_1', appId: 'app_test' });
    await eventually(() => here.length === 1 && there.length === 1, 5_000, 'the notice in both processes');

    await forceCloseConnection(connectionName);
    await eventually(async () => !(await broker.ping()), 5_000, 'the adapter to notice the drop');
    await eventually(() => broker.ping(), 10_000, 'the reconnect');
    await other.announce({ v: 1, kind: 'subscription.changed', subscriptionId: 'sub_2' });
    await eventually(() => here.includes('sub_2') && there.includes('sub_2'), 5_000, 'the notice after the reconnect');
  });

  it('rejects a publish at once with UnavailableError while disconnected, and publishes again after the reconnect', async () => {
    const { broker, connectionName } = await setUp({ reconnectBackoffMs: () => 2_000 });
    await forceCloseConnection(connectionName);
    await eventually(async () => !(await broker.ping()), 5_000, 'the adapter to notice the drop');

    const outcome = await Promise.race([
      broker.publish('events', anEvent(1)).then(
        () => 'published',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still pending'), 1_000)),
    ]);
    expect(outcome).toBeInstanceOf(UnavailableError);

    await eventually(() => broker.ping(), 10_000, 'the reconnect');
    await broker.publish('events', anEvent(2));
    expect(await broker.depth('events')).toBe(1);
  });

  it('refuses work before start, fails start against a broker that is not there, and is gone for good after close', async () => {
    const absent = createRabbitMqBroker({ url: 'amqp://guest:guest@127.0.0.1:1', logger: testLogger, prefix: uniquePrefix() });
    await expect(absent.publish('events', anEvent(1))).rejects.toBeInstanceOf(UnavailableError);
    await expect(absent.start()).rejects.toBeInstanceOf(UnavailableError);
    expect(await absent.ping()).toBe(false);
    await absent.close();

    const { broker, connectionName } = await setUp({ reconnectBackoffMs: () => 100 });
    expect(await broker.ping()).toBe(true);
    expect(await countConnections(connectionName)).toBe(1);
    await broker.close();
    expect(await broker.ping()).toBe(false);
    await expect(broker.publish('events', anEvent(1))).rejects.toBeInstanceOf(UnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await countConnections(connectionName)).toBe(0);
  });
});
