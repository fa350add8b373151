import { LRUCache } from 'lru-cache';
import { compileFilter, type PayloadFilter } from './payload-filter.js';
import { compileJsonTransform, TransformError, type JsonTransform, type TransformLimits } from './payload-transform.js';

/**
 * One evaluation, from the pool, its input as JSON text: a transform's `expression`, or a
 * payload `filter` (as JSON text) to match the input against; each compiled once per worker.
 */
export type TransformRequest = { id: number; expression: string; input: string } | { id: number; filter: string; input: string };

/** The body as JSON text (for a filter, `true` or `false`), or why the evaluation failed on this input. */
export type TransformReply = { id: number; json: string } | { id: number; error: string };

/** Sent once, when the worker has loaded and can take requests. */
export interface TransformWorkerReady {
  ready: true;
}

/**
 * A TransformPool worker: a child process (started with a heap cap) that evaluates its requests
 * (transforms, and payload filters with a `$regex`)
 * one at a time, in the order they came, and answers each on its IPC channel. Failures of the expression are replies; the worker
 * dying or being killed is what the pool sees as an overrun or a crash. It exits when the pool
 * (its parent) goes away.
 */
function serve(limits: TransformLimits, send: (message: TransformReply | TransformWorkerReady) => void): void {
  // By the expression's text: every event of a subscription, and every subscription with the same expression, reuses one compilation.
  const compiled = new LRUCache<string, JsonTransform>({ max: 1_000 });
  const transformFor = (expression: string): JsonTransform => {
    let transform = compiled.get(expression);
    if (transform === undefined) {
      transform = compileJsonTransform(expression, limits);
      compiled.set(expression, transform);
    }
    return transform;
  };
  const filters = new LRUCache<string, PayloadFilter>({ max: 1_000 });
  const filterFor = (filter: string): PayloadFilter => {
    let matches = filters.get(filter);
    if (matches === undefined) {
      matches = compileFilter(JSON.parse(filter) as Record<string, unknown>);
      filters.set(filter, matches);
    }
    return matches;
  };
  /**
   * A filter's match, held to the transforms' deadline: one RE2 run cannot be interrupted, so a
   * run past the deadline is killed by the pool (at timeoutMs plus a grace), and one that ends
   * past timeoutMs but before the kill fails the same way, whatever it found.
   */
  const match = (filter: string, input: string): string => {
    const started = performance.now();
    const matched = filterFor(filter)(JSON.parse(input));
    if (performance.now() - started > limits.timeoutMs) throw new TransformError(`The filter ran longer than ${limits.timeoutMs} ms and was stopped.`);
    return matched ? 'true' : 'false';
  };
  // Bound: the pool kills this process past the request's deadline (timeoutMs plus a grace) and V8
  // ends it past its heap cap; JSONata checks timeoutMs between steps, and every regex runs on RE2.
  const evaluate = async (request: TransformRequest): Promise<TransformReply> => {
    try {
      if ('filter' in request) return { id: request.id, json: match(request.filter, request.input) };
      return { id: request.id, json: await transformFor(request.expression)(JSON.parse(request.input)) };
    } catch (error) {
      // Anything else thrown inside JSONata (a RangeError from a built-in, say) is the expression's failure too.
      const what = 'filter' in request ? 'filter' : 'transform';
      const message = error instanceof TransformError ? error.message : `The ${what} failed: ${(error as Error)?.message ?? String(error)}`;
      return { id: request.id, error: message };
    }
  };
  // One at a time, in order: the pool holds the oldest unanswered request responsible when this process dies or is killed.
  const waiting: TransformRequest[] = [];
  let draining = false;
  process.on('message', async function evaluateInOrder(request: TransformRequest) {
    waiting.push(request);
    if (draining) return;
    draining = true;
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) send(await evaluate(next));
    draining = false;
  });
  process.on('disconnect', () => process.exit(0));
  // Ready once warm: the first regex a fresh worker runs costs ~70 ms of lazy compilation, which
  // must not count against a tenant's deadline.
  compileJsonTransform(WARM_UP, { ...limits, timeoutMs: WARM_UP_TIMEOUT_MS })({ data: { s: 'ab1' } })
    .then(() => compileFilter({ 'data.s': { $regex: '^a[ab]{2}' }, 'data.n': { $gte: 1 } })({ data: { s: 'ab1', n: 2 } }))
    .catch(() => undefined)
    .then(() => send({ ready: true }));
}

/** A loaded machine may take a while over the first evaluation; it is no tenant's. */
const WARM_UP_TIMEOUT_MS = 10_000;
/** Touches the paths most transforms take: object construction, paths, string functions, every regex function. */
const WARM_UP =
  '{"m": $match(data.s, /a(b)\\d/), "r": $replace(data.s, /b/, "x"), "c": $contains(data.s, /1$/), "p": $split(data.s, /b/),' +
  ' "u": $uppercase(data.s), "n": $sum([1, 2]), "j": $string({"a": [1, true, null]}), "e": $eval("1 + 1")}';

if (process.send === undefined) throw new Error('transform-worker runs as a child process of a TransformPool.');
const send = process.send.bind(process) as (message: TransformReply | TransformWorkerReady) => void;
serve(JSON.parse(process.argv[2] ?? 'null') as TransformLimits, send);
