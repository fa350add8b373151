import { describe, expect, it } from 'vitest';
import { SubscriptionRules } from '../../processor/subscription-rules.js';
import { UnavailableError } from '../../shared/errors/index.js';
import { TransformError } from '../../shared/webhooks/payload-transform.js';

/** A stand-in for the transform pool, recording what it was asked to run. */
function recordingPool() {
  const runs: { expression: string; input: unknown }[] = [];
  return {
    runs,
    async run(expression: string, input: unknown) {
      runs.push({ expression, input });
      return JSON.stringify({ ran: expression });
    },
    async match(filter: Record<string, unknown>, input: unknown) {
      runs.push({ expression: JSON.stringify(filter), input });
      return true;
    },
  };
}

const base = { id: 'sub_1', updatedAt: '2026-01-01T00:00:00.000Z', filter: undefined, transform: undefined };

describe('subscription rules', () => {
  it('sends a transform to the transform pool and gives its JSON text as the body', async () => {
    const pool = recordingPool();
    const rules = new SubscriptionRules({ transforms: pool });
    const envelope = { id: 'evt_1', type: 'order.paid', data: { orderId: 'o-1' } };
    const body = await rules.for({ ...base, transform: '{"id": data.orderId}' }).transform!(envelope);
    expect(body).toBe('{"ran":"{\\"id\\": data.orderId}"}');
    expect(pool.runs).toEqual([{ expression: '{"id": data.orderId}', input: envelope }]);
  });

  it('has no transform without one, and compiles a filter once per version of the subscription', () => {
    const rules = new SubscriptionRules({ transforms: recordingPool() });
    const first = rules.for({ ...base, filter: { 'data.n': { $gt: 1 } } });
    expect(first.transform).toBeUndefined();
    expect(first.matches({ data: { n: 2 } } as never)).toBe(true);
    expect(rules.for({ ...base, filter: { 'data.n': { $gt: 1 } } })).toBe(first);
    const updated = rules.for({ ...base, updatedAt: '2026-01-02T00:00:00.000Z', filter: { 'data.n': { $gt: 5 } } });
    expect(updated).not.toBe(first);
    expect(updated.matches({ data: { n: 2 } } as never)).toBe(false);
  });

  it('sends a filter with a $regex anywhere to the pool, and matches one without in place', async () => {
    const pool = recordingPool();
    const rules = new SubscriptionRules({ transforms: pool });
    const envelope = { data: { s: 'x', n: 2 } };
    const filter = { 'data.n': { $gt: 1 }, $and: [{ 'data.s': { $not: { $regex: 'a' } } }] };
    await expect(rules.for({ ...base, filter }).matches(envelope)).resolves.toBe(true);
    expect(pool.runs).toEqual([{ expression: JSON.stringify(filter), input: envelope }]);
    expect(rules.for({ ...base, id: 'sub_2', filter: { 'data.n': { $gt: 1 } } }).matches(envelope)).toBe(true);
    expect(pool.runs).toHaveLength(1);
  });

  it("rejects with the pool's TransformError for the filter's own failure, and an UnavailableError when the pool cannot take it", async () => {
    const failing = (error: Error) => ({ run: async () => '', match: async () => Promise.reject(error) });
    const filter = { 'data.s': { $regex: 'a' } };
    const stopped = new TransformError('The filter ran longer than 100 ms and was stopped.');
    await expect(new SubscriptionRules({ transforms: failing(stopped) }).for({ ...base, filter }).matches({})).rejects.toBe(stopped);
    await expect(new SubscriptionRules({ transforms: failing(new Error('The transform pool is not running.')) }).for({ ...base, filter }).matches({})).rejects.toBeInstanceOf(UnavailableError);
  });
});
