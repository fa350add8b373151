import jsonata from 'jsonata';
import { LRUCache } from 'lru-cache';
import { LinearRegExp, linearRegexError } from '../security/linear-regex.js';

/** Bounds on one evaluation, so a tenant's expression cannot hold up the processor. */
export interface TransformLimits {
  /** Evaluation stops with an error after this long (checked by JSONata between its steps). */
  timeoutMs: number;
  /** Largest body, in bytes of JSON, that an evaluation may produce. */
  maxOutputBytes: number;
}

export const DEFAULT_TRANSFORM_LIMITS: TransformLimits = { timeoutMs: 100, maxOutputBytes: 256 * 1024 };
const MAX_STACK_DEPTH = 500;
const MAX_SEQUENCE_LENGTH = 100_000;

/** A compiled transform: envelope in, body out. Rejects with a TransformError. */
export type PayloadTransform = (envelope: unknown) => Promise<unknown>;

/** The same, giving the body as JSON text (what is sent, and what crosses a thread cheaply). */
export type JsonTransform = (envelope: unknown) => Promise<string>;

/** A transform failed at run time (an error in the expression, a bound exceeded, no result). */
export class TransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformError';
  }
}

interface JsonataError {
  code?: string;
  position?: number;
  message?: string;
}

function describe(error: unknown): string {
  const failure = (error ?? {}) as JsonataError;
  const where = failure.position !== undefined ? ` at position ${failure.position}` : '';
  return `${failure.message ?? String(error)}${failure.code ? ` (${failure.code}${where})` : ''}`;
}

/** Compiled RE2 programs by flags and source: compiling one costs ~50 µs, and JSONata asks again on every evaluation of a regex. */
const compiledRegexes = new LRUCache<string, LinearRegExp>({ max: 1_000 });

/**
 * JSONata's `RegexEngine`: every regex an expression evaluates, whether a literal or one built
 * by `$eval` at run time (its sub-expressions share the evaluation's engine), is matched by RE2
 * in time linear in the input. A pattern RE2 cannot run throws, failing the evaluation. The
 * compiled program is shared; `lastIndex` is this instance's own (JSONata keeps one per match
 * sequence), swapped in around each synchronous `exec`.
 */
class SharedLinearRegExp {
  lastIndex = 0;
  readonly #shared: LinearRegExp;

  constructor(pattern: RegExp) {
    const key = `${pattern.flags}/${pattern.source}`;
    let shared = compiledRegexes.get(key);
    if (shared === undefined) {
      shared = new LinearRegExp(pattern.source, pattern.flags);
      compiledRegexes.set(key, shared);
    }
    this.#shared = shared;
  }

  exec(input: string): RegExpExecArray | null {
    this.#shared.lastIndex = this.lastIndex;
    const match = this.#shared.exec(input);
    this.lastIndex = this.#shared.lastIndex;
    return match;
  }
}

function parse(expression: string, timeoutMs: number): jsonata.Expression {
  return jsonata(expression, {
    timeout: timeoutMs,
    stack: MAX_STACK_DEPTH,
    sequence: MAX_SEQUENCE_LENGTH,
    RegexEngine: SharedLinearRegExp as unknown as RegExpConstructor,
  });
}

/** Regex literals that RE2 cannot run (back-references, look-arounds), with RE2's reason. */
function nonLinearRegexes(node: unknown, found: string[] = []): string[] {
  if (node instanceof RegExp) {
    const error = linearRegexError(node.source, node.flags);
    if (error !== null) found.push(`${String(node)} (${error})`);
  } else if (Array.isArray(node)) {
    for (const item of node) nonLinearRegexes(item, found);
  } else if (typeof node === 'object' && node !== null) {
    for (const value of Object.values(node)) nonLinearRegexes(value, found);
  }
  return found;
}

/**
 * Why a JSONata expression cannot be saved (a syntax error, with its position; a regex literal
 * that the linear-time engine cannot run), or null. A regex built at run time (`$eval`) cannot
 * be seen here: the engine refuses it then, failing that evaluation.
 */
export function transformError(expression: string): string | null {
  let compiled: jsonata.Expression;
  try {
    compiled = parse(expression, DEFAULT_TRANSFORM_LIMITS.timeoutMs);
  } catch (error) {
    return `is not a valid JSONata expression: ${describe(error)}`;
  }
  const refused = nonLinearRegexes(compiled.ast());
  return refused.length === 0 ? null : `has a regular expression that cannot run in linear time: ${refused.join(', ')}`;
}

/** The evaluation's result, and its JSON text (measured against the output bound). */
interface Evaluated {
  value: unknown;
  json: string;
}

function compileBounded(expression: string, limits: TransformLimits): (envelope: unknown) => Promise<Evaluated> {
  let compiled: jsonata.Expression;
  try {
    compiled = parse(expression, limits.timeoutMs);
  } catch (error) {
    throw new TransformError(`The transform does not compile: ${describe(error)}`);
  }
  return async function evaluateBounded(envelope) {
    let value: unknown;
    try {
      value = await compiled.evaluate(envelope);
    } catch (error) {
      throw new TransformError(`The transform failed: ${describe(error)}`);
    }
    if (value === undefined) throw new TransformError('The transform produced no value for this event.');
    const json = JSON.stringify(value);
    const size = Buffer.byteLength(json);
    if (size > limits.maxOutputBytes) {
      throw new TransformError(`The transform produced ${size} bytes; at most ${limits.maxOutputBytes} are sent.`);
    }
    return { value, json };
  };
}

/**
 * Compiles a JSONata expression once, in this thread. Each evaluation is bounded in time
 * (checked between JSONata's steps, so one slow built-in call can overrun it: tenants'
 * expressions run in a TransformPool, whose deadline stops the thread), stack depth, sequence
 * length and output size, and every regex runs on RE2. An expression that yields nothing is
 * an error (there would be no body to send). Throws a TransformError if it does not compile.
 *
 * @example
 * const toBody = compileTransform('{"orderId": data.orderId, "kind": type}');
 * await toBody(envelope); // { orderId: 'o-1', kind: 'order.paid' }
 */
export function compileTransform(expression: string, limits: TransformLimits = DEFAULT_TRANSFORM_LIMITS): PayloadTransform {
  const evaluate = compileBounded(expression, limits);
  return async function transformEnvelope(envelope) {
    return (await evaluate(envelope)).value;
  };
}

/** `compileTransform`, giving the body as JSON text: what is sent, and what crosses threads cheaply. */
export function compileJsonTransform(expression: string, limits: TransformLimits = DEFAULT_TRANSFORM_LIMITS): JsonTransform {
  const evaluate = compileBounded(expression, limits);
  return async function transformToJson(envelope) {
    return (await evaluate(envelope)).json;
  };
}
