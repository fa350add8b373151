import { describe, expect, it } from 'vitest';
import { SubscriptionRules } from '../../processor/subscription-rules.js';

/** A stand-in for the transform pool, recording what it was asked to run. */
function recordingPool() {
  const runs: { expression: string; input: unknown }[] = [];
  return {
    runs,
    async run(expression: string, input: unknown) {
      runs.push({ expression, input });
      return JSON.stringify({ ran: expression });
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
});
