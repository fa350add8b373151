// sift is CommonJS: under NodeNext its default import is the module object, its operators properties of it.
import sift from 'sift';
import type { FieldError } from '../errors/index.js';
import { LinearRegExp, linearRegexError } from '../security/linear-regex.js';
import { envelopePathError } from './envelope-path.js';
import { createOwnPathTester, type Creator, type Creators } from './filter-own-paths.js';

/**
 * The query operators a subscription filter may use: MongoDB's comparison, set, existence,
 * regex, logical and array operators. Anything else, `$where` and `$expr` above all (they run
 * code), is refused when the subscription is saved.
 */
const ALLOWED_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex', '$options',
  '$and', '$or', '$nor', '$not', '$all', '$elemMatch', '$size',
]);
/** A query object: a JSON object, neither an array nor null. */
export const isQuery = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** What each operator takes, where sift would accept a wrong operand silently or fail obscurely. */
const OPERAND_RULES: Record<string, { test: (value: unknown) => boolean; expected: string }> = {
  $in: { test: Array.isArray, expected: 'an array' },
  $nin: { test: Array.isArray, expected: 'an array' },
  $all: { test: Array.isArray, expected: 'an array' },
  $and: { test: (value) => Array.isArray(value) && value.length > 0 && value.every(isQuery), expected: 'a non-empty array of queries' },
  $or: { test: (value) => Array.isArray(value) && value.length > 0 && value.every(isQuery), expected: 'a non-empty array of queries' },
  $nor: { test: (value) => Array.isArray(value) && value.length > 0 && value.every(isQuery), expected: 'a non-empty array of queries' },
  $exists: { test: (value) => typeof value === 'boolean', expected: 'true or false' },
  $size: { test: (value) => Number.isInteger(value) && (value as number) >= 0, expected: 'a whole number' },
  $not: { test: isQuery, expected: 'an operator object' },
  $elemMatch: { test: isQuery, expected: 'a query object' },
};
/** `u` is accepted for filters saved before RE2: RE2 always matches by code point, so it changes nothing. */
const REGEX_OPTIONS = /^[imsu]*$/;
const MAX_REGEX_LENGTH = 512;
const MAX_DEPTH = 16;

/** A compiled filter: true when the envelope matches. */
export type PayloadFilter = (envelope: unknown) => boolean;

function regexError(source: unknown, options: unknown): string | null {
  if (typeof source !== 'string') return 'must be a string';
  if (source.length > MAX_REGEX_LENGTH) return `must be at most ${MAX_REGEX_LENGTH} characters`;
  if (options !== undefined && (typeof options !== 'string' || !REGEX_OPTIONS.test(options))) return '$options may hold only i, m, s and u';
  const error = linearRegexError(source, typeof options === 'string' ? options : '');
  return error === null ? null : `cannot run in linear time or is not valid (back-references and look-arounds are not supported): ${error}`;
}

/**
 * `$regex` on RE2 (LinearRegExp) instead of sift's `new RegExp`: a tenant's pattern such as
 * `(a|a)*$` backtracks exponentially in JavaScript's engine on a crafted event; RE2 takes time
 * linear in the field's length whatever the pattern. That is the bound here: the field's length
 * (within the event size limit) times the program's size (at most 300 RE2 instructions, from a
 * pattern of at most 512 characters).
 */
const linearRegexOperation: Creator = (pattern, ownerQuery, options) => {
  const flags = typeof ownerQuery === 'object' && ownerQuery !== null && Object.hasOwn(ownerQuery, '$options') ? (ownerQuery as { $options: unknown }).$options : '';
  const regex = new LinearRegExp(String(pattern), typeof flags === 'string' ? flags : '');
  return sift.createEqualsOperation((value: unknown) => typeof value === 'string' && regex.test(value), ownerQuery, options);
};

/**
 * The operations a compiled filter may run: the allowed operators only (sift's `$where`,
 * `$type` and `$mod` are not even present), `$regex` on RE2, and paths that read own
 * properties only.
 */
const OPERATIONS: Creators = {
  $eq: sift.$eq,
  $ne: sift.$ne,
  $gt: sift.$gt,
  $gte: sift.$gte,
  $lt: sift.$lt,
  $lte: sift.$lte,
  $in: sift.$in,
  $nin: sift.$nin,
  $exists: sift.$exists,
  $regex: linearRegexOperation,
  $options: sift.$options,
  $and: sift.$and,
  $or: sift.$or,
  $nor: sift.$nor,
  $not: sift.$not,
  $all: sift.$all,
  $elemMatch: sift.$elemMatch,
  $size: sift.$size,
};

function walk(node: unknown, path: string, depth: number, errors: FieldError[]): void {
  if (depth > MAX_DEPTH) {
    errors.push({ path, message: `nests deeper than ${MAX_DEPTH} levels` });
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((item, index) => walk(item, `${path}.${index}`, depth + 1, errors));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    const at = `${path}.${key}`;
    if (key.startsWith('$') && !ALLOWED_OPERATORS.has(key)) {
      errors.push({ path: at, message: `${key} is not a supported operator (use ${[...ALLOWED_OPERATORS].join(' ')})` });
      continue;
    }
    if (!key.startsWith('$')) {
      // A field path: it must name the event's own fields, never what every object inherits.
      const error = envelopePathError(key);
      if (error !== null) {
        errors.push({ path: at, message: `is not a field path of the event: ${error}` });
        continue;
      }
    }
    const rule = OPERAND_RULES[key];
    if (rule !== undefined && !rule.test(value)) {
      errors.push({ path: at, message: `${key} takes ${rule.expected}` });
      continue;
    }
    if (key === '$regex') {
      const error = regexError(value, record.$options);
      if (error !== null) errors.push({ path: at, message: error });
      continue;
    }
    walk(value, at, depth + 1, errors);
  }
}

/**
 * What is wrong with a subscription's `filter` (a MongoDB-style query over the envelope),
 * each error naming its path from `basePath` (`filter.data.amount.$gte`); empty when it is valid.
 */
export function filterErrors(filter: unknown, basePath = 'filter'): FieldError[] {
  const errors: FieldError[] = [];
  if (!isQuery(filter)) return [{ path: basePath, message: 'must be an object' }];
  walk(filter, basePath, 0, errors);
  if (errors.length > 0) return errors;
  try {
    compileFilter(filter);
  } catch (error) {
    errors.push({ path: basePath, message: (error as Error).message });
  }
  return errors;
}

/**
 * Whether a filter has a `$regex` anywhere: such a filter may take long (RE2 is linear, but in
 * the field's length times a program of up to 300 instructions), so the processor runs it in
 * its transform pool under a deadline; any other filter is cheap and runs in place.
 */
export function filterUsesRegex(filter: unknown): boolean {
  // A stack, not recursion: a filter stored before the depth rule may nest deeper than the stack allows.
  const pending: unknown[] = [filter];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      pending.push(...node);
      continue;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === '$regex') return true;
      pending.push(value);
    }
  }
  return false;
}

/**
 * Compiles a filter that `filterErrors` accepted into a predicate (with sift), once; the
 * processor keeps the result per subscription version instead of re-parsing per event.
 * Throws when the filter cannot run (a regex RE2 refuses, in a filter saved before RE2).
 *
 * @example
 * const matches = compileFilter({ 'data.amount': { $gte: 100 }, 'data.currency': { $in: ['EUR', 'USD'] } });
 * matches({ id: 'evt_1', type: 'order.paid', timestamp, data: { amount: 120, currency: 'EUR' } }); // true
 */
export function compileFilter(filter: Record<string, unknown>): PayloadFilter {
  const test = createOwnPathTester(filter, OPERATIONS);
  return function matchesFilter(envelope) {
    return test(envelope);
  };
}
