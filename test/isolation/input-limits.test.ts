import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type ApiResponse } from '../support/api-client.js';
import { measureIsolation, startIsolationRig, type IsolationRig } from './isolation-rig.js';

/** The nesting limit of an event's `data`, as docs/ and the OpenAPI document state it. */
const MAX_DEPTH = 64;

/** JSON text of `depth` nested arrays around a number, built as text: no recursion on our side either. */
function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * Issue 11: an event whose `data` was 5,000 nested arrays answered 500 (`Maximum call stack size
 * exceeded` in the store). Nesting is now bounded at publish time, on /v1/events and
 * /v1/events:batch alike: 422 naming the field, nothing stored, and no one else slowed.
 */
describe('isolation: the nesting depth of event data is bounded at publish time', () => {
  let rig: IsolationRig;
  let subscriptionId: string;

  beforeAll(async () => {
    rig = await startIsolationRig();
    const created = await rig.hostile.client.post('/v1/subscriptions', { url: `${rig.hostileReceiver.url}/deep`, events: ['#'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    subscriptionId = created.body.id;
  });
  afterAll(async () => {
    await rig?.stop();
  });

  function expectRefused(response: ApiResponse, path: string): void {
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ type: 'https://hookgate.dev/problems/validation', status: 422 });
    expect(response.body.errors).toEqual([{ path, message: expect.stringContaining(String(MAX_DEPTH)) }]);
  }

  async function hostileEventTypes(): Promise<string[]> {
    const listed = await rig.hostile.client.get('/v1/events?limit=250');
    expect(listed.status).toBe(200);
    return (listed.body.data as { type: string }[]).map((event) => event.type);
  }

  it('refuses 5,000 and 50,000 nested arrays, and 5,000 nested objects, with 422 naming data', async () => {
    const responses: ApiResponse[] = [];
    const figures = await measureIsolation(rig, async () => {
      for (const data of [nestedArrays(5_000), nestedArrays(50_000), nestedObjects(5_000), nestedArrays(MAX_DEPTH + 1)]) {
        responses.push(await rig.hostile.client.call('POST', '/v1/events', `{"type": "deep.single", "data": ${data}}`));
      }
    });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    for (const response of responses) expectRefused(response, 'data');
    expect(await hostileEventTypes()).not.toContain('deep.single');
  });

  it('refuses a batch with one deep event with 422 naming events.<index>.data, and stores none of it', async () => {
    let response: ApiResponse | undefined;
    const figures = await measureIsolation(rig, async () => {
      const batch = `{"events": [{"type": "deep.batch", "data": {"ok": true}}, {"type": "deep.batch", "data": ${nestedArrays(5_000)}}]}`;
      response = await rig.hostile.client.call('POST', '/v1/events:batch', batch);
    });
    expect(figures.healthMaxMs).toBeLessThan(300);
    expect(figures.bystanderMaxMs).toBeLessThan(1000);
    expectRefused(response!, 'events.1.data');
    expect(await hostileEventTypes()).not.toContain('deep.batch');
  });

  it(`accepts and delivers data nested exactly ${MAX_DEPTH} levels deep`, async () => {
    const published = await rig.hostile.client.call('POST', '/v1/events', `{"type": "deep.limit", "data": ${nestedArrays(MAX_DEPTH)}}`);
    expect(published.status, JSON.stringify(published.body)).toBe(202);
    const eventId = published.body.id as string;
    const webhook = await eventually(async () => rig.hostileReceiver.requests.find((request) => request.body.includes(eventId)));
    expect(JSON.parse(webhook.body).data).toEqual(JSON.parse(nestedArrays(MAX_DEPTH)));
    const deliveries = await rig.hostile.client.get(`/v1/deliveries?subscription=${subscriptionId}&event=${eventId}`);
    expect(deliveries.body.data).toEqual([expect.objectContaining({ eventId })]);
  });
});
