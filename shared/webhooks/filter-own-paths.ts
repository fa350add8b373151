import siftModule from 'sift';

/**
 * Filter paths that read the event's own properties only, for sift.
 *
 * sift walks a query path (`data.items.map`) with `value[key]`, which reaches what the value
 * inherits: `map` on an array is `Array.prototype.map`, so `{"data.items.map": {"$exists": true}}`
 * would hold for every event with an array there. Save-time checks refuse names every object
 * inherits (`envelopePathError`); names that only arrays, strings or numbers inherit are also
 * ordinary field names (`keys`, `values`, `at`), so they are allowed and must resolve to fields.
 * sift offers no hook into its path walk, so a filter is rewritten before it is compiled: every
 * path key of a query becomes one entry of the `$ownPaths` operation below, whose walk is
 * sift's own (arrays searched element by element, as MongoDB does) with own-property reads.
 */

const { createEqualsOperation } = siftModule;
type SiftOptions = NonNullable<Parameters<typeof siftModule.createQueryTester>[1]>;
/** sift's operation creators by operator name (its `Options['operations']`, which it does not export). */
export type Creators = NonNullable<SiftOptions['operations']>;
/** One of sift's operation creators: `(operand, ownerQuery, options, name) => Operation`. */
export type Creator = Creators[string];
type Operation = ReturnType<Creator>;
type Key = string | number;
type Visit = (value: unknown, key: Key | undefined, owner: unknown, root: boolean, leaf: boolean) => boolean;

/** The operation a rewritten query holds its paths in; no tenant filter may name it (`$` keys are allow-listed). */
const OWN_PATHS = '$hookgateOwnPaths';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const hasOperator = (value: unknown) => isRecord(value) && !Array.isArray(value) && Object.keys(value).some((key) => key.startsWith('$'));

/** `value[key]` when the value itself has that property; never what it inherits. */
function ownValue(value: object | string | number | boolean, key: Key): unknown {
  // Object.hasOwn takes primitives too (a string owns its length and indexes, as sift read them).
  return Object.hasOwn(value as object, key) ? (value as Record<Key, unknown>)[key] : undefined;
}

/**
 * sift's `walkKeyPathValues` (17.1), reading own properties only. Bound: it recurses once per
 * level of the event it descends into (`data` nests at most 64 levels, MAX_JSON_DEPTH), stops at
 * the first path segment the event does not have, and visits each array item once.
 */
function walkOwn(item: unknown, keyPath: readonly string[], visit: Visit, depth: number, key: Key | undefined, owner: unknown, leaf = true): boolean {
  const currentKey = keyPath[depth];
  if (Array.isArray(item) && Number.isNaN(Number(currentKey)) && !(currentKey !== undefined && Object.hasOwn(item, currentKey))) {
    for (let index = 0; index < item.length; index++) {
      if (!walkOwn(item[index], keyPath, visit, depth, index, item, leaf)) return false;
    }
  }
  if (currentKey === undefined || item === null || item === undefined) {
    return visit(item, key, owner, depth === 0, depth === keyPath.length && (depth > 0 || leaf));
  }
  return walkOwn(ownValue(item, currentKey), keyPath, visit, depth + 1, currentKey, item);
}

/** The operations on one path's value, as sift's `createNestedOperation` makes them. */
function valueOperations(value: unknown, options: Parameters<Creator>[2]): Operation[] {
  if (!hasOperator(value)) return [createEqualsOperation(value, value, options)];
  const operations: Operation[] = [];
  for (const [name, operand] of Object.entries(value as Record<string, unknown>)) {
    if (!name.startsWith('$')) throw new Error('Property queries must contain only operations, or exact objects.');
    const create = Object.hasOwn(options.operations, name) ? options.operations[name] : undefined;
    if (create === undefined) throw new Error(`Unsupported operation: ${name}`);
    const operation = create(operand, value, options, name);
    if (operation === null) continue; // `$options`: read by `$regex`, no test of its own.
    if (!operation.propop) throw new Error(`Malformed query. ${name} cannot be matched against property.`);
    operations.push(operation);
  }
  return operations;
}

/** Every child must hold: sift's `GroupOperation.childrenNext`. */
class AllOf {
  propop = true;
  keep = false;
  done = false;
  constructor(readonly children: readonly Operation[]) {}

  reset(): void {
    this.keep = false;
    this.done = false;
    for (const child of this.children) child.reset();
  }

  next(item: unknown, key: Key | undefined, owner: unknown, root: boolean, leaf?: boolean): void {
    let done = true;
    let keep = true;
    for (const child of this.children) {
      if (!child.done) child.next(item, key as Key, owner, root, leaf);
      if (!child.keep) keep = false;
      if (child.done) {
        if (!child.keep) break;
      } else {
        done = false;
      }
    }
    this.done = done;
    this.keep = keep;
  }
}

/** One path and the operations on its values: sift's `NestedOperation` with `walkOwn`. */
class OwnPathOperation extends AllOf {
  readonly #visit: Visit = (value, key, owner, root, leaf) => {
    super.next(value, key, owner, root, leaf);
    return !this.done;
  };

  constructor(
    readonly keyPath: readonly string[],
    children: readonly Operation[],
  ) {
    super(children);
  }

  override next(item: unknown, key: Key | undefined, owner: unknown, _root?: boolean, leaf?: boolean): void {
    walkOwn(item, this.keyPath, this.#visit, 0, key, owner, leaf !== false);
  }
}

/** `$ownPaths: [[["data", "amount"], {"$gte": 100}], …]`: every path holds. */
const ownPathsOperation: Creator = (params, _ownerQuery, options) => {
  const paths = params as [string[], unknown][];
  return new AllOf(paths.map(([keyPath, value]) => new OwnPathOperation(keyPath, valueOperations(value, options))));
};

/**
 * Compiles a query (rewritten here) with the given operators into a test of one document:
 * sift's operations, with paths walked over own properties. The root runs as sift runs a
 * query on a document that is not an array (every operation on it, all must hold), without
 * sift's extra root walk.
 *
 * @example
 * const matches = createOwnPathTester({ 'data.amount': { $gte: 100 } }, { $gte: siftModule.$gte });
 * matches({ data: { amount: 120 } }); // true
 */
export function createOwnPathTester(query: Record<string, unknown>, operators: Creators): (document: unknown) => boolean {
  const operations: Creators = { ...operators, [OWN_PATHS]: ownPathsOperation };
  // sift fills in its default comparison (which it does not export) when it makes the options.
  const { options } = siftModule.createQueryOperation({}, null, { operations });
  const root = new AllOf(
    Object.entries(rewriteQuery(query)).flatMap(([name, operand]) => {
      const create = Object.hasOwn(operations, name) ? operations[name] : undefined;
      if (create === undefined) throw new Error(`Unsupported operation: ${name}`);
      const operation = create(operand, query, options, name);
      return operation === null ? [] : [operation];
    }),
  );
  return function test(document) {
    root.reset();
    root.next(document, undefined, undefined, true, true);
    return root.keep;
  };
}

/** Operators whose operand is a query (or a list of queries) in sift, so its paths are rewritten too. */
function rewriteOperand(operator: string, operand: unknown): unknown {
  switch (operator) {
    case '$and':
    case '$or':
    case '$nor':
      return Array.isArray(operand) ? operand.map((query) => (isRecord(query) ? rewriteQuery(query) : query)) : operand;
    case '$all':
      // sift compiles each `$all` item as a query: a plain object's keys are paths.
      return Array.isArray(operand) ? operand.map((item) => (isRecord(item) ? rewriteQuery(item) : item)) : operand;
    case '$elemMatch':
    case '$not':
      return isRecord(operand) ? rewriteQuery(operand) : operand;
    default:
      return operand;
  }
}

/** A path's value: an operator object has its query operands rewritten; an exact value stays as it is. */
function rewriteValue(value: unknown): unknown {
  if (!hasOperator(value)) return value;
  const rewritten: Record<string, unknown> = {};
  for (const [key, operand] of Object.entries(value as Record<string, unknown>)) {
    // A path key beside operators is a malformed query: kept, so compiling refuses it as sift does.
    defineOwn(rewritten, key, key.startsWith('$') ? rewriteOperand(key, operand) : operand);
  }
  return rewritten;
}

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The query with every path key (`"data.amount": {...}`), at every level, moved into one
 * `$ownPaths` operation per query object; operators stay where they are.
 *
 * @example
 * rewriteQuery({ 'data.amount': { $gte: 100 }, $or: [{ type: 'a' }] });
 * // { $or: [{ $hookgateOwnPaths: [[['type'], 'a']] }], $hookgateOwnPaths: [[['data', 'amount'], { $gte: 100 }]] }
 */
function rewriteQuery(query: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(query)) return query;
  const rewritten: Record<string, unknown> = {};
  const paths: [string[], unknown][] = [];
  for (const [key, value] of Object.entries(query)) {
    if (key.startsWith('$')) defineOwn(rewritten, key, rewriteOperand(key, value));
    else paths.push([key.split('.'), rewriteValue(value)]);
  }
  if (paths.length > 0) rewritten[OWN_PATHS] = paths;
  return rewritten;
}
