import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/api-client.js';
import { measureIsolation, startIsolationRig, type IsolationRig } from './isolation-rig.js';

/**
 * Issue 11: a backtracking matcher took ~5x longer per extra `#` on a pattern such as
 * `#.#.#.#.#.#.#.#.#.#.#.z` against `a.a.a…` (24 words): 5.7 s of frozen event loop for every
 * tenant, and the 127 `#` the length limit allows would freeze it for ever.
 */
describe('isolation: event-type patterns are matched in linear time', () => {
  let rig: IsolationRig;

  beforeAll(async () => {
    rig = await startIsolationRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  async function subscribe(pattern: string, path: string): Promise<string> {
    const created = await rig.hostile.client.post('/v1/subscriptions', { url: `${rig.hostileReceiver.url}${path}`, events: [pattern] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  }

  async function publish(type: string): Promise<string> {
    const published = await rig.hostile.client.post('/v1/events', { type, data: {} });
    expect(published.status, JSON.stringify(published.body)).toBe(202);
    return published.body.id as string;
  }

  /** The hostile subscription's own outcome: no delivery for the type that does not match, one for the type that does. */
  async function expectOutcome(subscriptionId: string, path: string, unmatchedEventId: string, matchedEventId: string): Promise<void> {
    await eventually(async () => (rig.hostileReceiver.requests.some((request) => request.path === path && request.body.includes(matchedEventId)) ? true : undefined));
    const deliveries = await rig.hostile.client.get(`/v1/deliveries?subscription=${subscriptionId}`);
    expect(deliveries.status).toBe(200);
    const eventIds = (deliveries.body.data as { eventId: string }[]).map((delivery) => delivery.eventId);
    expect(eventIds).toContain(matchedEventId);
    expect(eventIds).not.toContain(unmatchedEventId);
  }

  it('a pattern of 11 # and a 24-word event type stall no one', async () => {
    const pattern = `${'#.'.repeat(11)}z`;
    const subscriptionId = await subscribe(pattern, '/eleven');
    let unmatched = '';
    let matched = '';
    const figures = await measureIsolation(rig, async () => {
      unmatched = await publish(Array(24).fill('a').join('.'));
      matched = await publish(`${Array(23).fill('a').join('.')}.z`);
    });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    await expectOutcome(subscriptionId, '/eleven', unmatched, matched);
  });

  it('the longest pattern the limit allows (127 #) and a 128-word event type stall no one', async () => {
    const pattern = `${'#.'.repeat(127)}z`;
    expect(pattern.length).toBe(255);
    const subscriptionId = await subscribe(pattern, '/longest');
    const words = Array(128).fill('a');
    let unmatched = '';
    let matched = '';
    const figures = await measureIsolation(rig, async () => {
      unmatched = await publish(words.join('.'));
      matched = await publish([...words.slice(1), 'z'].join('.'));
    });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    await expectOutcome(subscriptionId, '/longest', unmatched, matched);
  });
});
