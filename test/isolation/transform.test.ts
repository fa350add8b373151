import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/api-client.js';
import { measureIsolation, startIsolationRig, type IsolationFigures, type IsolationRig } from './isolation-rig.js';

/** 26 a's and a character that ends no match: a backtracking engine tries ~2^26 ways first. */
const CRAFTED = `${'a'.repeat(26)}!`;

interface Delivery {
  id: string;
  eventId: string;
  status: string;
  lastError?: string | null;
}

/**
 * Issue 11: transform regexes were not bounded by the 100 ms limit (`$match(data.s, /(a|a)*$/)`
 * took 3.1 s with 25 a's, JSONata checks its time-out only between evaluation steps), `$eval`
 * hid a regex from the save-time check, and `$pad("x", 100000000)` stalled the process and left
 * its RSS at 445 MB. Transforms now run in a worker pool with a hard deadline and a memory cap,
 * and every regex in them runs on RE2.
 */
describe('isolation: subscription transforms', () => {
  let rig: IsolationRig;
  let sequence = 0;

  beforeAll(async () => {
    // Nine measurements of 1.5 s of back-to-back bystander events outrun the default 600 calls a minute on a quiet machine.
    rig = await startIsolationRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  /** Creates a hostile subscription with `transform`, publishes one event while isolation is measured, and waits for its delivery to end. */
  async function runHostile(transform: string, data: unknown): Promise<{ figures: IsolationFigures; delivery: Delivery; path: string }> {
    const path = `/transform-${++sequence}`;
    const created = await rig.hostile.client.post('/v1/subscriptions', { url: `${rig.hostileReceiver.url}${path}`, events: ['hostile.transform'], transform });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    let eventId = '';
    const figures = await measureIsolation(rig, async () => {
      const published = await rig.hostile.client.post('/v1/events', { type: 'hostile.transform', data });
      expect(published.status).toBe(202);
      eventId = published.body.id;
    });
    const delivery = await eventually(async () => {
      const list = await rig.hostile.client.get(`/v1/deliveries?subscription=${created.body.id}`);
      const found = (list.body.data as Delivery[] | undefined)?.find((item) => item.eventId === eventId);
      return found && (found.status === 'succeeded' || found.status === 'dead') ? found : undefined;
    });
    return { figures, delivery, path };
  }

  it('a regex that backtracks exponentially in JavaScript runs in linear time and its webhook is sent', async () => {
    const { figures, delivery, path } = await runHostile('{"match": $match(data.s, /(a|a)*$/).index}', { s: CRAFTED });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    expect(delivery.status).toBe('succeeded');
    const received = rig.hostileReceiver.requests.find((request) => request.path === path);
    expect(JSON.parse(received!.body)).toEqual({ match: 27 });
  });

  it('a regex hidden from the save-time check in $eval runs on the same linear engine', async () => {
    const { figures, delivery, path } = await runHostile('{"matched": $exists($eval("$match(data.s, /(a+)+$/)"))}', { s: CRAFTED });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    expect(delivery.status).toBe('succeeded');
    const received = rig.hostileReceiver.requests.find((request) => request.path === path);
    expect(JSON.parse(received!.body)).toEqual({ matched: false });
  });

  it('a regex in $eval that RE2 cannot run ends its delivery dead, naming the transform', async () => {
    const { figures, delivery } = await runHostile('$eval("$match(data.s, /(a+)\\\\1$/)")', { s: CRAFTED });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    expect(delivery.status).toBe('dead');
    expect(delivery.lastError).toMatch(/transform/);
  });

  it.each([
    ['a back-reference', '$match(data.s, /(a+)\\1$/)'],
    ['a look-ahead', '{"x": $replace(data.s, /a(?=!)/, "b")}'],
  ])('a regex literal RE2 cannot run (%s) is refused with 422 naming transform', async (_name, transform) => {
    const created = await rig.hostile.client.post('/v1/subscriptions', { url: `${rig.hostileReceiver.url}/refused`, events: ['#'], transform });
    expect(created.status, JSON.stringify(created.body)).toBe(422);
    expect(created.headers.get('content-type')).toMatch(/problem\+json/);
    expect((created.body.errors as { path: string }[]).map((error) => error.path)).toContain('transform');
  });

  it.each([
    ['$pad to 100,000,000 characters', '$pad("x", 100000000)'],
    ['one built-in call that runs for seconds between JSONata steps', '$length($pad("x", 3000000, "ab"))'],
    ['a recursive function that never returns', '($f := function($n) { $f($n + 1) }; $f(0))'],
    ['a loop of 2.5e9 steps', '[1..50000].$reduce([1..50000], function($a, $b) { $a + $b })'],
  ])('%s stalls no one and ends its delivery dead, naming the transform', async (_name, transform) => {
    const { figures, delivery } = await runHostile(transform, { s: 'a' });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    expect(delivery.status).toBe('dead');
    expect(delivery.lastError).toMatch(/transform/i);
  });
});
