import jsonata from 'jsonata';
import safeRegex from 'safe-regex2';

/** Bounds on one evaluation, so a tenant's expression cannot hold up the processor. */
export interface TransformLimits {
  /** Evaluation stops with an error after this long. */
  timeoutMs: number;
  /** Largest body, in bytes of JSON, that an evaluation may produce. */
  maxOutputBytes: number;
}

export const DEFAULT_TRANSFORM_LIMITS: TransformLimits = { timeoutMs: 100, maxOutputBytes: 256 * 1024 };
const MAX_STACK_DEPTH = 500;
const MAX_SEQUENCE_LENGTH = 100_000;

/** A compiled transform: envelope in, body out. Rejects with a TransformError. */
export type PayloadTransform = (envelope: unknown) => Promise<unknown>;

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

/** Regex literals whose matching time can explode on crafted input. */
function unsafeRegexes(node: unknown, found: string[] = []): string[] {
  if (node instanceof RegExp) {
    if (!safeRegex(node)) found.push(String(node));
  } else if (Array.isArray(node)) {
    for (const item of node) unsafeRegexes(item, found);
  } else if (typeof node === 'object' && node !== null) {
    for (const value of Object.values(node)) unsafeRegexes(value, found);
  }
  return found;
}

function parse(expression: string): jsonata.Expression {
  return jsonata(expression, { timeout: DEFAULT_TRANSFORM_LIMITS.timeoutMs, stack: MAX_STACK_DEPTH, sequence: MAX_SEQUENCE_LENGTH });
}

/** Why a JSONata `transform` cannot be saved (a syntax error, with its position), or null. */
export function transformError(expression: string): string | null {
  let compiled: jsonata.Expression;
  try {
    compiled = parse(expression);
  } catch (error) {
    return `is not a valid JSONata expression: ${describe(error)}`;
  }
  const unsafe = unsafeRegexes(compiled.ast());
  return unsafe.length === 0 ? null : `has a regular expression that may take exponential time: ${unsafe.join(', ')}`;
}

/**
 * Compiles a JSONata expression that `transformError` accepted, once. Each evaluation is
 * bounded in time, stack depth, sequence length and output size; an expression that yields
 * nothing is an error too (there would be no body to send).
 *
 * @example
 * const toBody = compileTransform('{"orderId": data.orderId, "kind": type}');
 * await toBody(envelope); // { orderId: 'o-1', kind: 'order.paid' }
 */
export function compileTransform(expression: string, limits: TransformLimits = DEFAULT_TRANSFORM_LIMITS): PayloadTransform {
  const compiled = jsonata(expression, { timeout: limits.timeoutMs, stack: MAX_STACK_DEPTH, sequence: MAX_SEQUENCE_LENGTH });
  return async function transformEnvelope(envelope) {
    let result: unknown;
    try {
      result = await compiled.evaluate(envelope);
    } catch (error) {
      throw new TransformError(`The transform failed: ${describe(error)}`);
    }
    if (result === undefined) throw new TransformError('The transform produced no value for this event.');
    const size = Buffer.byteLength(JSON.stringify(result));
    if (size > limits.maxOutputBytes) {
      throw new TransformError(`The transform produced ${size} bytes; at most ${limits.maxOutputBytes} are sent.`);
    }
    return result;
  };
}
