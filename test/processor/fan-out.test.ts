import { describe, expect, it } from 'vitest';
import { createFanOut } from '../../processor/fan-out.js';
import type { HoldRequest, MergeBuffer } from '../../processor/ports/merge-buffer.js';
import { SubscriptionRules } from '../../processor/subscription-rules.js';
import type { EventMessage, QueueMessages, QueueName } from '../../queue/messages.js';
import type { MessageBroker, PublishOptions, ReceivedMessage } from '../../queue/ports/message-broker.js';
import { UnavailableError } from '../../shared/errors/index.js';
import { createLogger } from '../../shared/logger.js';
import type { Subscription } from '../../shared/types.js';
import { compileFilter } from '../../shared/webhooks/payload-filter.js';
import { TransformError } from '../../shared/webhooks/payload-transform.js';

const APP = 'app_01J00000000000000000000000';

function subscription(id: string, overrides: Partial<Subscription> = {}): Subscription {
  return { id, appId: APP, url: `https://hooks.example.com/${id}`, events: ['#'], enabled: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...overrides };
}

interface Published {
  queue: QueueName;
  body: any;
  options: PublishOptions | undefined;
}

/** A broker that records what is published; `refuse` makes a publish fail as an unavailable broker would. */
class RecordingBroker {
  readonly published: Published[] = [];
  refuse: (queue: QueueName, body: any) => boolean = () => false;

  async publish<Q extends QueueName>(queue: Q, body: QueueMessages[Q], options?: PublishOptions): Promise<void> {
    if (this.refuse(queue, body)) throw new UnavailableError(`The broker did not confirm a ${queue} message.`);
    this.published.push({ queue, body, options });
  }

  /** Delivery messages queued for a subscription: each is a webhook sent. */
  attemptsFor(subscriptionId: string): any[] {
    return this.published.filter((item) => item.queue === 'deliveries' && item.body.subscriptionId === subscriptionId).map((item) => item.body);
  }

  deadFor(subscriptionId: string): any[] {
    return this.published
      .filter((item) => item.queue === 'results' && item.body.kind === 'attempt.recorded' && item.body.delivery.subscriptionId === subscriptionId)
      .map((item) => item.body);
  }

  redone(): any[] {
    return this.published.filter((item) => item.queue === 'events').map((item) => ({ ...item.body, delayMs: item.options?.delayMs }));
  }
}

/** A merge buffer that holds in memory, or fails for a subscription as told. */
class ScriptedMergeBuffer {
  readonly held: HoldRequest[] = [];
  failFor = new Map<string, Error>();

  async hold(request: HoldRequest, now: number) {
    const failure = this.failFor.get(request.subscriptionId);
    if (failure) throw failure;
    this.held.push(request);
    return { windowId: `w-${request.subscriptionId}`, openedAt: now, closesAt: now + request.windowMs, count: 1, opened: true, repeated: false };
  }
}

/** A stand-in for the pool's filter matching: in this thread, or failing as told. */
const pooledMatch: { fail?: Error; calls: number } = { calls: 0 };

function setUp(subscriptions: Subscription[]) {
  pooledMatch.fail = undefined;
  pooledMatch.calls = 0;
  const broker = new RecordingBroker();
  const mergeBuffer = new ScriptedMergeBuffer();
  const handler = createFanOut({
    broker: broker as unknown as MessageBroker,
    subscriptions: {
      get: async (id) => subscriptions.find((candidate) => candidate.id === id) ?? null,
      listEnabled: async () => subscriptions.filter((candidate) => candidate.enabled),
    },
    rules: new SubscriptionRules({
      transforms: {
        run: async () => '{}',
        async match(filter, input) {
          pooledMatch.calls += 1;
          if (pooledMatch.fail) throw pooledMatch.fail;
          return compileFilter(filter)(input);
        },
      },
    }),
    mergeBuffer: mergeBuffer as unknown as MergeBuffer,
    maxMergedEvents: 100,
    logger: createLogger('silent'),
  });
  return { broker, mergeBuffer, handler };
}

function eventMessage(overrides: Partial<EventMessage> = {}): EventMessage {
  return {
    v: 1,
    appId: APP,
    event: { id: 'evt_01J00000000000000000000001', type: 'order.paid', timestamp: '2026-01-01T00:00:00.000Z', data: { orderId: 'o-1' } },
    receivedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function received(body: EventMessage, deliveryCount = 1): ReceivedMessage<EventMessage> {
  return { id: 'm-1', body, deliveryCount };
}

const MERGING = { merge: { key: 'data.orderId', windowMs: 1000 } };

describe('fan-out: a failure for one subscription stays with that subscription', () => {
  it('records a deterministic failure as a dead delivery with the reason, delivers to the others once, and acknowledges the event', async () => {
    const { broker, mergeBuffer, handler } = setUp([subscription('sub_bad', MERGING), subscription('sub_ok')]);
    mergeBuffer.failFor.set('sub_bad', new Error('NOT NULL constraint failed: merge_windows.merge_value'));

    await expect(handler(received(eventMessage()))).resolves.toBeUndefined();

    expect(broker.attemptsFor('sub_ok')).toHaveLength(1);
    expect(broker.attemptsFor('sub_bad')).toHaveLength(0);
    const [dead, ...more] = broker.deadFor('sub_bad');
    expect(more).toEqual([]);
    expect(dead.outcome).toEqual({ status: 'dead', lastError: expect.stringContaining('NOT NULL constraint failed') });
    expect(dead.attempt).toMatchObject({ number: 1, statusCode: null, durationMs: 0, error: dead.outcome.lastError });
    expect(dead.delivery).toMatchObject({ subscriptionId: 'sub_bad', eventId: 'evt_01J00000000000000000000001', appId: APP });
    expect(broker.redone()).toEqual([]);
  });

  it.each(['constructor', 'toString', '__proto__', 'data.__proto__.x'])(
    'ends a stored merge key %s (saved before keys were checked) as a dead delivery naming the key',
    async (key) => {
      const { broker, mergeBuffer, handler } = setUp([subscription('sub_legacy', { merge: { key, windowMs: 1000 } }), subscription('sub_ok')]);

      await handler(received(eventMessage()));

      expect(mergeBuffer.held).toEqual([]);
      expect(broker.attemptsFor('sub_legacy')).toHaveLength(0);
      expect(broker.deadFor('sub_legacy')).toEqual([
        expect.objectContaining({ outcome: { status: 'dead', lastError: expect.stringContaining(`merge key "${key}"`) } }),
      ]);
      expect(broker.attemptsFor('sub_ok')).toHaveLength(1);
    },
  );

  it('ends a filter that cannot run (saved before its operator was refused) as a dead delivery, and delivers to the others', async () => {
    const { broker, handler } = setUp([subscription('sub_filter', { filter: { $where: 'this.data.orderId' } }), subscription('sub_ok')]);
    await expect(handler(received(eventMessage()))).resolves.toBeUndefined();
    expect(broker.attemptsFor('sub_filter')).toHaveLength(0);
    expect(broker.deadFor('sub_filter')).toEqual([expect.objectContaining({ outcome: { status: 'dead', lastError: expect.stringContaining('filter cannot run') } })]);
    expect(broker.attemptsFor('sub_ok')).toHaveLength(1);
  });

  it('matches a filter with a $regex in the transform pool, and one without in place', async () => {
    const { broker, handler } = setUp([
      subscription('sub_regex', { filter: { $or: [{ 'data.orderId': { $regex: '^o-' } }] } }),
      subscription('sub_miss', { filter: { 'data.orderId': { $not: { $regex: '^o-' } } } }),
      subscription('sub_plain', { filter: { 'data.orderId': 'o-1' } }),
    ]);
    await handler(received(eventMessage()));
    expect(pooledMatch.calls).toBe(2);
    expect(broker.attemptsFor('sub_regex')).toHaveLength(1);
    expect(broker.attemptsFor('sub_miss')).toHaveLength(0);
    expect(broker.attemptsFor('sub_plain')).toHaveLength(1);
  });

  it('ends a $regex filter stopped at its deadline as a dead delivery naming the filter, and delivers to the others once', async () => {
    const { broker, handler } = setUp([subscription('sub_slow', { filter: { 'data.orderId': { $regex: '[ab]*a[ab]{140}$' } } }), subscription('sub_ok')]);
    pooledMatch.fail = new TransformError('The filter ran longer than 100 ms and was stopped.');
    await expect(handler(received(eventMessage()))).resolves.toBeUndefined();
    expect(broker.attemptsFor('sub_slow')).toHaveLength(0);
    expect(broker.deadFor('sub_slow')).toEqual([
      expect.objectContaining({ outcome: { status: 'dead', lastError: expect.stringMatching(/filter cannot run.*The filter ran longer than 100 ms/) } }),
    ]);
    expect(broker.attemptsFor('sub_ok')).toHaveLength(1);
    expect(broker.redone()).toEqual([]);
  });

  it('redoes a $regex filter later, alone, when the transform pool cannot take it (not the filter\'s fault)', async () => {
    const { broker, handler } = setUp([subscription('sub_regex', { filter: { 'data.orderId': { $regex: '^o-' } } }), subscription('sub_ok')]);
    pooledMatch.fail = new Error('The transform pool is not running.');
    await expect(handler(received(eventMessage()))).resolves.toBeUndefined();
    expect(broker.deadFor('sub_regex')).toEqual([]);
    expect(broker.redone()).toEqual([expect.objectContaining({ onlySubscriptionId: 'sub_regex' })]);
    expect(broker.attemptsFor('sub_ok')).toHaveLength(1);
  });

  it('sends nothing, and records nothing, to a subscription whose filter does not match', async () => {
    const { broker, handler } = setUp([subscription('sub_eur', { filter: { 'data.currency': 'EUR' } }), subscription('sub_ok')]);
    await handler(received(eventMessage()));
    expect(broker.published.filter((item) => JSON.stringify(item.body).includes('sub_eur'))).toEqual([]);
    expect(broker.attemptsFor('sub_ok')).toHaveLength(1);
  });

  it('records the same dead delivery, under the same attempt id, when the event comes again', async () => {
    const { broker, mergeBuffer, handler } = setUp([subscription('sub_bad', MERGING)]);
    mergeBuffer.failFor.set('sub_bad', new TypeError('cannot read this'));
    await handler(received(eventMessage()));
    await handler(received(eventMessage(), 2));
    const [first, second] = broker.deadFor('sub_bad');
    expect(second.attempt.id).toBe(first.attempt.id);
    expect(second.delivery.id).toBe(first.delivery.id);
  });

  it('redoes only the subscription that failed transiently, later, and acknowledges the event', async () => {
    const { broker, mergeBuffer, handler } = setUp([subscription('sub_flaky', MERGING), subscription('sub_ok'), subscription('sub_ok2')]);
    mergeBuffer.failFor.set('sub_flaky', new UnavailableError('The merge buffer cannot hold an event right now.'));

    await expect(handler(received(eventMessage()))).resolves.toBeUndefined();

    expect(broker.attemptsFor('sub_ok')).toHaveLength(1);
    expect(broker.attemptsFor('sub_ok2')).toHaveLength(1);
    expect(broker.deadFor('sub_flaky')).toEqual([]);
    const redone = broker.redone();
    expect(redone).toEqual([expect.objectContaining({ onlySubscriptionId: 'sub_flaky', event: eventMessage().event, delayMs: expect.any(Number) })]);
    expect(redone[0].delayMs).toBeGreaterThan(0);

    // The redo, once the merge buffer is back: the flaky subscription's event is held, no one else gets anything again.
    mergeBuffer.failFor.clear();
    const { delayMs: _delay, ...redo } = redone[0];
    await handler(received(redo));
    expect(mergeBuffer.held.map((request) => request.subscriptionId)).toEqual(['sub_flaky']);
    expect(broker.attemptsFor('sub_ok')).toHaveLength(1);
    expect(broker.attemptsFor('sub_ok2')).toHaveLength(1);
  });

  it('makes the same delivery id in a redo as the first fan-out would have', async () => {
    const { broker, handler } = setUp([subscription('sub_a'), subscription('sub_b')]);
    broker.refuse = (queue, body) => queue === 'deliveries' && body.subscriptionId === 'sub_a';
    await handler(received(eventMessage()));
    broker.refuse = () => false;
    const { delayMs: _delay, ...redo } = broker.redone()[0];
    await handler(received(redo));
    const { broker: clean, handler: cleanHandler } = setUp([subscription('sub_a'), subscription('sub_b')]);
    await cleanHandler(received(eventMessage()));
    expect(broker.attemptsFor('sub_a').map((message) => message.deliveryId)).toEqual(clean.attemptsFor('sub_a').map((message) => message.deliveryId));
  });

  it('rejects the event (to be redelivered) when every subscription failed transiently: nothing was sent to anyone', async () => {
    const { broker, handler } = setUp([subscription('sub_a'), subscription('sub_b')]);
    broker.refuse = (queue) => queue === 'results' || queue === 'deliveries';
    await expect(handler(received(eventMessage()))).rejects.toBeInstanceOf(UnavailableError);
    expect(broker.published).toEqual([]);

    broker.refuse = () => false;
    await handler(received(eventMessage(), 2));
    expect(broker.attemptsFor('sub_a')).toHaveLength(1);
    expect(broker.attemptsFor('sub_b')).toHaveLength(1);
  });

  it('rejects the event when the redo cannot be queued either', async () => {
    const { broker, mergeBuffer, handler } = setUp([subscription('sub_flaky', MERGING), subscription('sub_ok')]);
    mergeBuffer.failFor.set('sub_flaky', new UnavailableError('down'));
    broker.refuse = (queue) => queue === 'events';
    await expect(handler(received(eventMessage()))).rejects.toBeInstanceOf(UnavailableError);
  });

  it('rejects a redo that fails transiently again, so the broker retries it (it targets one subscription only)', async () => {
    const { broker, mergeBuffer, handler } = setUp([subscription('sub_flaky', MERGING), subscription('sub_ok')]);
    mergeBuffer.failFor.set('sub_flaky', new UnavailableError('down'));
    await expect(handler(received(eventMessage({ onlySubscriptionId: 'sub_flaky' })))).rejects.toBeInstanceOf(UnavailableError);
    expect(broker.published).toEqual([]);
  });

  it('records a dead delivery for a redo or replay that fails deterministically', async () => {
    const { broker, mergeBuffer, handler } = setUp([subscription('sub_bad', MERGING)]);
    mergeBuffer.failFor.set('sub_bad', new RangeError('bad'));
    await handler(received(eventMessage({ onlySubscriptionId: 'sub_bad', replayId: 'rpl_01J00000000000000000000000' })));
    expect(broker.deadFor('sub_bad')).toHaveLength(1);
  });
});
