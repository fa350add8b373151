import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/api-client.js';
import { measureIsolation, startIsolationRig, type IsolationRig } from './isolation-rig.js';

/**
 * Issue 11: a filter `$regex` that safe-regex2 let through, `(a|a)*$`, against 26 a's and a
 * `!` froze the process for 7 s (doubling per character); and a filter on `__proto__` was
 * stored as `{}`, matching every event.
 */
describe('isolation: payload filters', () => {
  let rig: IsolationRig;

  beforeAll(async () => {
    rig = await startIsolationRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('a regex that backtracks exponentially in JavaScript stalls no one, and its subscription still gets what matches', async () => {
    const created = await rig.hostile.client.post('/v1/subscriptions', {
      url: `${rig.hostileReceiver.url}/regex`,
      events: ['#'],
      filter: { 'data.s': { $regex: '(a|a)*$' }, 'data.t': { $regex: '^(a|a)*$' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    let matched = '';
    let unmatched = '';
    const figures = await measureIsolation(rig, async () => {
      // 40 characters: about 2^40 steps for a backtracking engine, microseconds for RE2.
      const crafted = `${'a'.repeat(40)}!`;
      matched = (await rig.hostile.client.post('/v1/events', { type: 'hostile.regex', data: { s: crafted, t: 'a'.repeat(40) } })).body.id;
      unmatched = (await rig.hostile.client.post('/v1/events', { type: 'hostile.regex', data: { s: crafted, t: crafted } })).body.id;
    });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    // Its own outcome: the event whose fields match is delivered, the other is not.
    await eventually(async () => (rig.hostileReceiver.requests.some((request) => request.path === '/regex' && request.body.includes(matched)) ? true : undefined));
    const deliveries = await rig.hostile.client.get(`/v1/deliveries?subscription=${created.body.id}`);
    const eventIds = (deliveries.body.data as { eventId: string }[]).map((delivery) => delivery.eventId);
    expect(eventIds).toEqual([matched]);
    expect(unmatched).toMatch(/^evt_/);
  });

  it("a linear regex whose cost is a large factor times a large field is stopped at the transform deadline, its delivery dead naming the filter", async () => {
    // RE2 is linear, but this program is ~150 states wide: ~1.2 s on 900 KB, on the main thread before filters with $regex ran in the worker pool.
    const created = await rig.hostile.client.post('/v1/subscriptions', {
      url: `${rig.hostileReceiver.url}/wide-regex`,
      events: ['hostile.wide'],
      filter: { 'data.s': { $regex: '[ab]*a[ab]{140}$' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // Random a/b, ~900 KB (under the 1 MiB body limit), with an `a` 141 characters from the end: it would match, were it let finish.
    const random = Array.from({ length: 900_000 }, () => (Math.random() < 0.5 ? 'a' : 'b'));
    random[random.length - 141] = 'a';
    let eventId = '';
    const figures = await measureIsolation(rig, async () => {
      const published = await rig.hostile.client.post('/v1/events', { type: 'hostile.wide', data: { s: random.join('') } });
      expect(published.status, JSON.stringify(published.body)).toBe(202);
      eventId = published.body.id;
    });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    // Its own outcome: over a second of work cannot end within the 100 ms deadline (plus its grace): the delivery is dead, naming the filter, nothing sent.
    const dead = await eventually(async () => {
      const listed = await rig.hostile.client.get(`/v1/deliveries?subscription=${created.body.id}&status=dead`);
      return listed.body.data.length > 0 ? (listed.body.data as { eventId: string; lastError: string }[]) : undefined;
    });
    expect(dead.map((delivery) => delivery.eventId)).toEqual([eventId]);
    expect(dead[0]!.lastError).toMatch(/filter.*ran longer than 100 ms/);
    expect(rig.hostileReceiver.requests.some((request) => request.path === '/wide-regex')).toBe(false);
  });

  it.each([
    ['a back-reference', { 'data.s': { $regex: '^(a+)\\1$' } }, 'filter.data.s.$regex'],
    ['a look-ahead', { $or: [{ 'data.s': { $regex: 'a(?=b)' } }] }, 'filter.$or.0.data.s.$regex'],
  ])('a regex that needs backtracking (%s) is refused with 422 naming the field', async (_name, filter, path) => {
    const created = await rig.hostile.client.post('/v1/subscriptions', { url: `${rig.hostileReceiver.url}/refused`, events: ['#'], filter });
    expect(created.status).toBe(422);
    expect(created.headers.get('content-type')).toMatch(/problem\+json/);
    expect((created.body.errors as { path: string }[]).map((error) => error.path)).toContain(path);
  });

  it.each([
    ['__proto__ at the top', '{"__proto__": {"$gt": 1}}', 'filter.__proto__'],
    ['__proto__ inside a path', '{"data.__proto__.x": 1}', 'filter.data.__proto__.x'],
    ['constructor inside $and', '{"$and": [{"data.constructor": {"$exists": true}}]}', 'filter.$and.0.data.constructor'],
    ['toString inside $elemMatch', '{"data.items": {"$elemMatch": {"toString": {"$exists": true}}}}', 'filter.data.items.$elemMatch.toString'],
  ])('a filter path through what every object inherits (%s) is refused with 422 naming the field, on create and update', async (_name, filterJson, path) => {
    const body = `{"url": "${rig.hostileReceiver.url}/proto", "events": ["#"], "filter": ${filterJson}}`;
    const created = await rig.hostile.client.call('POST', '/v1/subscriptions', body);
    expect(created.status, JSON.stringify(created.body)).toBe(422);
    expect(created.headers.get('content-type')).toMatch(/problem\+json/);
    expect((created.body.errors as { path: string }[]).map((error) => error.path)).toContain(path);

    const plain = await rig.hostile.client.post('/v1/subscriptions', { url: `${rig.hostileReceiver.url}/proto`, events: ['#'] });
    expect(plain.status).toBe(201);
    const patched = await rig.hostile.client.call('PATCH', `/v1/subscriptions/${plain.body.id}`, `{"filter": ${filterJson}}`);
    expect(patched.status, JSON.stringify(patched.body)).toBe(422);
    expect((patched.body.errors as { path: string }[]).map((error) => error.path)).toContain(path);
    const stored = await rig.hostile.client.get(`/v1/subscriptions/${plain.body.id}`);
    expect(stored.body.filter).toBeUndefined();
    await rig.hostile.client.delete(`/v1/subscriptions/${plain.body.id}`);
  });
});
