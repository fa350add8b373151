import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventToPublish } from '../../../gateway/services/event-publisher.js';
import { anEvent } from './outbox-contract.js';
import { startOutboxPlatform, type OutboxPlatform } from './outbox-fixture.js';

const WAIT = { timeout: 10_000, interval: 20 };

describe('outbox relay: from the outbox through the event publisher to the queue', () => {
  let platform: OutboxPlatform;
  beforeEach(async () => {
    platform = await startOutboxPlatform();
  });
  afterEach(async () => {
    await platform.stop();
  });

  const event = (n: number, overrides: Partial<EventToPublish> = {}) => anEvent(n, { appId: platform.appId, ...overrides });
  const numbers = (messages: { event: { data: unknown } }[]) => messages.map((message) => (message.event.data as { n: number }).n);
  const metric = async (name: string) => (await platform.metrics.registry.getSingleMetricAsString(name)).split('\n').filter((line) => !line.startsWith('#'));

  it('publishes what waits, then each append, in order; stores each with its idempotency key; empties the outbox', async () => {
    await platform.outbox.append(event(1));
    await platform.outbox.append(event(2));
    await platform.startRelay();
    await platform.outbox.append(event(3));

    const messages = await platform.takeEvents(3);
    expect(numbers(messages)).toEqual([1, 2, 3]);
    expect(messages[0]).toMatchObject({ appId: platform.appId, event: { type: 'order.created', timestamp: '2026-01-02T03:04:05.000Z' } });
    await vi.waitFor(async () => expect(await platform.outbox.depth()).toEqual({ waiting: 0, parked: 0 }), WAIT);
    const stored = await platform.storage.events.get(messages[2]!.event.id, platform.appId);
    expect(stored).toMatchObject({ idempotencyKey: 'req-3:order.created', data: event(3).data });
    expect(await metric('hookgate_gateway_outbox_events')).toEqual([
      'hookgate_gateway_outbox_events{state="waiting",tier="gateway"} 0',
      'hookgate_gateway_outbox_events{state="parked",tier="gateway"} 0',
    ]);
    expect(await metric('hookgate_gateway_outbox_relayed_total')).toContain('hookgate_gateway_outbox_relayed_total{outcome="published",tier="gateway"} 3');
  });

  it('keeps events, in order, while the broker refuses them, and publishes each once when it is back', async () => {
    platform.broker.state = 'refusing';
    await platform.startRelay();
    for (let n = 1; n <= 3; n++) await platform.outbox.append(event(n));

    await vi.waitFor(async () => expect((await platform.outbox.oldest(1))[0]?.attempts).toBeGreaterThanOrEqual(3), WAIT);
    expect((await platform.outbox.oldest(10)).map((entry) => entry.event)).toEqual([event(1), event(2), event(3)]);
    expect(await metric('hookgate_gateway_outbox_events')).toContain('hookgate_gateway_outbox_events{state="waiting",tier="gateway"} 3');

    platform.broker.restore();
    expect(numbers(await platform.takeEvents(3))).toEqual([1, 2, 3]);
    await vi.waitFor(async () => expect(await platform.outbox.depth()).toEqual({ waiting: 0, parked: 0 }), WAIT);
    // Stored once each, though each was tried several times: the idempotency key held.
    const listed = await platform.storage.events.list(platform.appId, {}, { limit: 10 });
    expect(listed.data).toHaveLength(3);
    expect(platform.broker.published).toBe(3);
  });

  it('counts a publish that hangs as failed after the time-out and tries again, without a second event', async () => {
    platform.broker.state = 'hanging';
    await platform.startRelay({ publishTimeoutMs: 100 });
    await platform.outbox.append(event(1));
    await vi.waitFor(async () => expect((await platform.outbox.oldest(1))[0]?.attempts).toBeGreaterThanOrEqual(2), WAIT);
    expect((await platform.outbox.oldest(1))[0]?.lastError).toMatch(/PublishTimeout/);

    platform.broker.restore();
    expect(numbers(await platform.takeEvents(1))).toEqual([1]);
    await vi.waitFor(async () => expect((await platform.outbox.depth()).waiting).toBe(0), WAIT);
    expect(platform.broker.published).toBe(1);
  });

  it('parks an event the platform refuses for good (its app does not exist) and goes on with the next', async () => {
    await platform.outbox.append(event(1, { appId: 'app_gone' }));
    await platform.outbox.append(event(2));
    await platform.startRelay();

    expect(numbers(await platform.takeEvents(1))).toEqual([2]);
    await vi.waitFor(async () => expect(await platform.outbox.depth()).toEqual({ waiting: 0, parked: 1 }), WAIT);
    const [parked] = await platform.outbox.parked(10);
    expect(parked).toMatchObject({ event: event(1, { appId: 'app_gone' }) });
    expect(parked!.reason).toMatch(/^ConflictError: /);
    expect(await metric('hookgate_gateway_outbox_relayed_total')).toContain('hookgate_gateway_outbox_relayed_total{outcome="parked",tier="gateway"} 1');
  });

  it('publishes, after a restart, what a gateway left in its outbox while the broker was down', async () => {
    platform.broker.state = 'refusing';
    await platform.startRelay();
    await platform.outbox.append(event(1));
    await platform.outbox.append(event(2));
    await vi.waitFor(async () => expect((await platform.outbox.oldest(1))[0]?.attempts).toBeGreaterThanOrEqual(1), WAIT);

    await platform.restartOutbox();
    platform.broker.restore();
    await platform.startRelay();
    expect(numbers(await platform.takeEvents(2))).toEqual([1, 2]);
    await vi.waitFor(async () => expect((await platform.outbox.depth()).waiting).toBe(0), WAIT);
  });

  it('stops after the publish in hand, leaving the rest for the next start', async () => {
    platform.broker.state = 'hanging';
    const relay = await platform.startRelay({ publishTimeoutMs: 60_000 });
    await platform.outbox.append(event(1));
    await platform.outbox.append(event(2));
    const stopping = relay.stop();
    platform.broker.restore(); // the hanging publish rejects, as a closing connection's would
    await stopping;
    expect((await platform.outbox.oldest(10)).map((entry) => entry.event)).toEqual([event(1), event(2)]);
  });
});
