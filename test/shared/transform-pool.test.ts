import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter } from '../../shared/webhooks/payload-filter.js';
import { compileJsonTransform, TransformError } from '../../shared/webhooks/payload-transform.js';
import { createTransformPool, type TransformPool } from '../../shared/webhooks/transform-pool.js';

const ENVELOPE = { id: 'evt_1', type: 'order.paid', timestamp: '2026-01-01T00:00:00.000Z', data: { orderId: 'o-1', amount: 12, s: `${'a'.repeat(40)}!` } };
/** One JSONata step that runs for seconds: JSONata's own time-out, checked between steps, cannot stop it. */
const STUCK_IN_ONE_CALL = '$length($pad("x", 3000000, "ab"))';

/** RE2 takes time linear in the field, but ~150 states wide: over a second on 900 KB. */
const WIDE_REGEX_FILTER = { 'data.s': { $regex: '[ab]*a[ab]{140}$' } };

function randomAb(length: number): string {
  return Array.from({ length }, () => (Math.random() < 0.5 ? 'a' : 'b')).join('');
}

/** Runs `work` while a 10 ms interval ticks on this thread; resolves with its result (or error) and the longest gap between ticks. */
async function withTicker<T>(work: () => Promise<T>): Promise<{ outcome: T | Error; maxGapMs: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 10);
  try {
    const outcome = await work().catch((error: Error) => error);
    return { outcome, maxGapMs };
  } finally {
    clearInterval(ticker);
  }
}

describe('transform pool', () => {
  let pool: TransformPool;

  beforeAll(async () => {
    pool = createTransformPool({ workers: 2, timeoutMs: 100 });
    await pool.start();
    // The workers start with the first evaluation (seconds from the TypeScript sources on a busy machine).
    await pool.run('null', null);
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('gives the same JSON as evaluating in this thread, for many evaluations at once', async () => {
    const expressions = [
      '{"order": data.orderId, "cents": data.amount * 100, "kind": type}',
      '$match(data.s, /(a|a)*$/).index',
      '$split("a1b22c333", /\\d+/)',
      '$eval("$uppercase(data.orderId)")',
    ];
    const inputs = Array.from({ length: 40 }, (_, index) => ({ ...ENVELOPE, data: { ...ENVELOPE.data, amount: index } }));
    const pairs = inputs.flatMap((input) => expressions.map((expression) => ({ expression, input })));
    const got = await Promise.all(pairs.map(({ expression, input }) => pool.run(expression, input)));
    // One at a time here: evaluations interleaved on one thread share JSONata's wall-clock time-out.
    const want: string[] = [];
    for (const { expression, input } of pairs) want.push(await compileJsonTransform(expression)(input));
    expect(got).toEqual(want);
  });

  it("reports the expression's own failures as TransformErrors, and keeps its workers", async () => {
    await expect(pool.run('$number(data.orderId)', ENVELOPE)).rejects.toThrow(/transform failed/);
    await expect(pool.run('data.missing', ENVELOPE)).rejects.toThrow(/no value/);
    await expect(pool.run('$eval("$match(data.s, /(a+)\\\\1$/)")', ENVELOPE)).rejects.toThrow(/transform failed.*regexp/);
    await expect(pool.run('($f := function($n) { $f($n + 1) }; $f(0))', ENVELOPE)).rejects.toThrow(/Evaluation timeout after 100 milliseconds/);
    await expect(pool.run('$pad("", 300000, "x")', ENVELOPE)).rejects.toThrow(/at most 262144 are sent/);
    await expect(pool.run('data.orderId', ENVELOPE)).resolves.toBe('"o-1"');
  });

  it('stops an evaluation stuck inside one call at its deadline, without blocking this thread, and replaces the worker', async () => {
    const started = performance.now();
    const { outcome, maxGapMs } = await withTicker(() => pool.run(STUCK_IN_ONE_CALL, ENVELOPE));
    const elapsedMs = performance.now() - started;
    expect(outcome).toBeInstanceOf(TransformError);
    expect((outcome as Error).message).toBe('The transform ran longer than 100 ms and was stopped.');
    // 100 ms, the grace for JSONata's own check, and the machine's noise; the call alone takes seconds.
    expect(elapsedMs).toBeLessThan(1_000);
    expect(maxGapMs).toBeLessThan(100);
    // Both workers are still there: two stuck evaluations and two ordinary ones all end.
    const results = await Promise.allSettled([pool.run(STUCK_IN_ONE_CALL, ENVELOPE), pool.run(STUCK_IN_ONE_CALL, ENVELOPE), pool.run('data.amount', ENVELOPE), pool.run('type', ENVELOPE)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect(results.slice(2).map((result) => (result as PromiseFulfilledResult<string>).value)).toEqual(['12', '"order.paid"']);
  });

  it('does not count the time a request waits for a free worker against its deadline', async () => {
    const single = createTransformPool({ workers: 1, timeoutMs: 100 });
    await single.start();
    try {
      await single.run('null', null);
      // Queued behind a stuck evaluation (killed at ~300 ms) and the replacement worker's start: far past 100 ms of waiting.
      const [stuck, ordinary] = await Promise.allSettled([single.run(STUCK_IN_ONE_CALL, ENVELOPE), single.run('data.orderId', ENVELOPE)]);
      expect(stuck.status).toBe('rejected');
      expect(ordinary).toEqual({ status: 'fulfilled', value: '"o-1"' });
    } finally {
      await single.close();
    }
  });

  it('stops an evaluation that outgrows its worker heap: the worker dies, not this process', async () => {
    // A deadline long enough for the allocation to hit the heap cap first.
    const capped = createTransformPool({ workers: 1, timeoutMs: 10_000, maxMemoryMb: 64 });
    await capped.start();
    try {
      await capped.run('null', null);
      // An ordinary request sent behind it, in the same worker, is not blamed: it goes to the next worker.
      const { outcome, maxGapMs } = await withTicker(() => Promise.all([capped.run('$pad("x", 100000000)', ENVELOPE).catch((error: Error) => error), capped.run('data.orderId', ENVELOPE)]));
      const [hog, ordinary] = outcome as [Error, string];
      expect(hog).toBeInstanceOf(TransformError);
      expect(hog.message).toBe('The transform needed more than 64 MB of memory and was stopped.');
      expect(ordinary).toBe('"o-1"');
      expect(maxGapMs).toBeLessThan(100);
      await expect(capped.run('data.orderId', ENVELOPE)).resolves.toBe('"o-1"');
    } finally {
      await capped.close();
    }
  });

  it('matches filters as compiling them in this thread does, for many at once', async () => {
    const filters = [
      { 'data.s': { $regex: '^a+!$' } },
      { 'data.s': { $regex: 'A{40}', $options: 'i' }, 'data.amount': { $gte: 10 } },
      { $or: [{ 'data.orderId': { $regex: '^x' } }, { 'data.amount': { $in: [1, 2, 3] } }] },
      { 'data.orderId': { $not: { $regex: '^o-' } } },
    ];
    const inputs = Array.from({ length: 20 }, (_, index) => ({ ...ENVELOPE, data: { ...ENVELOPE.data, amount: index } }));
    const pairs = inputs.flatMap((input) => filters.map((filter) => ({ filter, input })));
    const got = await Promise.all(pairs.map(({ filter, input }) => pool.match(filter, input)));
    expect(got).toEqual(pairs.map(({ filter, input }) => compileFilter(filter)(input)));
    expect(got).toContain(true);
    expect(got).toContain(false);
  });

  it("reports a filter's own failure as a TransformError naming the filter, and keeps its workers", async () => {
    // A back-reference, in a filter saved before RE2: it cannot compile.
    await expect(pool.match({ 'data.s': { $regex: '^(a+)\\1$' } }, ENVELOPE)).rejects.toThrow(/^The filter failed: /);
    await expect(pool.match({ 'data.orderId': { $regex: '^o-' } }, ENVELOPE)).resolves.toBe(true);
  });

  it('stops a filter whose regex runs past the deadline, without blocking this thread, naming the filter', async () => {
    const input = { ...ENVELOPE, data: { s: randomAb(900_000) } };
    const started = performance.now();
    const { outcome, maxGapMs } = await withTicker(() => pool.match(WIDE_REGEX_FILTER, input));
    const elapsedMs = performance.now() - started;
    expect(outcome).toBeInstanceOf(TransformError);
    expect((outcome as Error).message).toBe('The filter ran longer than 100 ms and was stopped.');
    // The match alone takes over a second.
    expect(elapsedMs).toBeLessThan(1_000);
    expect(maxGapMs).toBeLessThan(100);
    await expect(pool.match({ 'data.orderId': { $regex: '^o-' } }, ENVELOPE)).resolves.toBe(true);
  });

  it('fails a filter that ends past the deadline before the kill the same way, whatever it found', async () => {
    const strict = createTransformPool({ workers: 1, timeoutMs: 10 });
    await strict.start();
    try {
      await strict.run('null', null);
      // 16 KiB takes a fresh compilation 40-280 ms: past 10 ms, finished or killed (at 210 ms) the reason is the same.
      await expect(strict.match(WIDE_REGEX_FILTER, { data: { s: randomAb(16_384) } })).rejects.toThrow('The filter ran longer than 10 ms and was stopped.');
    } finally {
      await strict.close();
    }
  });

  it('refuses evaluations once closed with a plain Error, so a delivery is retried rather than made dead', async () => {
    const closing = createTransformPool({ workers: 1 });
    await closing.start();
    await closing.run('null', null);
    await closing.close();
    const refused = await closing.run('1', null).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(refused).not.toBeInstanceOf(TransformError);
    const refusedMatch = await closing.match({ 'data.s': { $regex: 'a' } }, null).catch((error: Error) => error);
    expect(refusedMatch).toBeInstanceOf(Error);
    expect(refusedMatch).not.toBeInstanceOf(TransformError);
  });
});
