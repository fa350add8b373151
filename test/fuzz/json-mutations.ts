import fc from 'fast-check';

/** Literal JSON text placed as is into a body: deep nesting, `1e400`, `-0`, `NaN`. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A body value before serialisation: JSON values, RawJson leaves, and own `__proto__` keys. */
export type BodyValue = unknown;

/**
 * Sets `key` as an own, enumerable property, even `__proto__` (a plain assignment would
 * change the object's prototype instead, and the key would never reach the wire).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function clone(value: BodyValue): BodyValue {
  if (value instanceof RawJson || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setOwn(copy, key, clone((value as Record<string, unknown>)[key]));
  return copy;
}

/** JSON text of a body value, RawJson leaves spliced in verbatim; never recursion-deep (nesting is RawJson). */
export function toJsonText(value: BodyValue): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

type Path = (string | number)[];

/** Every node of the tree (the root first), as paths; RawJson leaves are not entered. */
function nodePaths(value: BodyValue, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (value instanceof RawJson || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) value.forEach((item, index) => nodePaths(item, [...path, index], out));
  else for (const key of Object.keys(value)) nodePaths((value as Record<string, unknown>)[key], [...path, key], out);
  return out;
}

function nodeAt(root: BodyValue, path: Path): BodyValue {
  return path.reduce<any>((node, segment) => node?.[segment], root);
}

function replaceAt(root: BodyValue, path: Path, replacement: BodyValue): BodyValue {
  if (path.length === 0) return replacement;
  const parent = nodeAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent[last as number] = replacement;
  else setOwn(parent as Record<string, unknown>, String(last), replacement);
  return root;
}

/** One change to a valid body, at the node `at` (modulo the node count) of its tree. */
export type ValueMutation =
  | { kind: 'replace'; at: number; label: string; value: BodyValue }
  | { kind: 'add-key'; at: number; key: string; value: BodyValue }
  | { kind: 'drop-key'; at: number; pick: number };

/** Keys that mean something to JavaScript objects: a store or matcher must treat them as data. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

const CONTROL_STRINGS = ['a\u0000b', 'a\u0001b', '\u001f', '\u007f', 'line\r\nbreak', 'x\u2028y', 'lone \ud800 surrogate', '\u202eevil', '\ufeffbom', '\t \t'];
const NAN_LIKE = ['NaN', 'Infinity', '-Infinity', '1e999', '0x1F', ' 42 ', '', 'null', 'undefined', 'true', '[]', '{}', '-0', '1_000'];

function deepNesting(depth: number, kind: 'array' | 'object'): RawJson {
  return kind === 'array' ? new RawJson('['.repeat(depth) + ']'.repeat(depth)) : new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
}

/** Values that do not belong where they land: every kind the issue names. */
const hostileValue: fc.Arbitrary<{ label: string; value: BodyValue }> = fc.oneof(
  fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.jsonValue({ maxDepth: 2 })).map((value) => ({ label: 'wrong type', value })),
  fc
    .constantFrom('1e400', '-1e400', '1e-400', '9007199254740993', '-0', '1e308', '1e-300', '1.7976931348623157e308', '-9999999999999999999999', '0.1e-320')
    .map((text) => ({ label: 'huge number', value: new RawJson(text) })),
  fc.constantFrom(...NAN_LIKE).map((value) => ({ label: 'NaN-like string', value })),
  fc
    .tuple(fc.constantFrom(64, 1_000, 5_000, 20_000), fc.constantFrom<'array' | 'object'>('array', 'object'))
    .map(([depth, kind]) => ({ label: `${depth}-deep ${kind}s`, value: deepNesting(depth, kind) })),
  fc
    .tuple(fc.constantFrom(300, 5_000, 70_000, 300_000), fc.constantFrom('x', 'é', '😀', '.', '#.', 'a'))
    .map(([length, unit]) => ({ label: `${length} × "${unit}"`, value: unit.repeat(length) })),
  fc.constantFrom(...CONTROL_STRINGS).map((value) => ({ label: 'control characters', value })),
  fc
    .tuple(fc.constantFrom(1_000, 20_000), fc.boolean())
    .map(([count, asObject]) => ({
      label: `${count} ${asObject ? 'keys' : 'items'}`,
      value: asObject ? Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index])) : Array.from({ length: count }, (_, index) => index),
    })),
  fc.constantFrom(...PROTOTYPE_KEYS).map((key) => {
    const value: Record<string, unknown> = {};
    setOwn(value, key, { polluted: true });
    return { label: `object with own "${key}"`, value };
  }),
);

export const valueMutation: fc.Arbitrary<ValueMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), hostile: hostileValue }).map(({ at, hostile }) => ({ kind: 'replace' as const, at, ...hostile })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add-key' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ minLength: 1, maxLength: 10 }), fc.constant('$where')),
      value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({ polluted: true })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop-key' as const), at: fc.nat(), pick: fc.nat() }) },
);

/** Applies the mutations in order to a copy of `value`. */
export function applyMutations(value: BodyValue, mutations: readonly ValueMutation[]): BodyValue {
  let root = clone(value);
  for (const mutation of mutations) {
    const paths = nodePaths(root);
    const path = paths[mutation.at % paths.length]!;
    const node = nodeAt(root, path);
    switch (mutation.kind) {
      case 'replace':
        root = replaceAt(root, path, clone(mutation.value));
        break;
      case 'add-key': {
        // On a leaf, the nearest object above it gains the key (or the root becomes one).
        const objectPath = [...paths.filter((candidate) => isPlainObject(nodeAt(root, candidate)) && isPrefix(candidate, path))].pop();
        if (objectPath === undefined) root = replaceAt(root, [], Object.assign({}, { value: root }));
        setOwn(nodeAt(root, objectPath ?? []) as Record<string, unknown>, mutation.key, clone(mutation.value));
        break;
      }
      case 'drop-key': {
        if (isPlainObject(node)) {
          const keys = Object.keys(node);
          if (keys.length > 0) delete (node as Record<string, unknown>)[keys[mutation.pick % keys.length]!];
        } else if (Array.isArray(node) && node.length > 0) {
          node.splice(mutation.pick % node.length, 1);
        }
        break;
      }
    }
  }
  return root;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawJson);
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segment === path[index]);
}

/** What happens to the serialised body on its way out: broken text, a wrong type, or too much of it. */
export type TextMutation = { kind: 'none' } | { kind: 'invalid-json'; variant: number } | { kind: 'oversized'; bytes: number } | { kind: 'top-level'; text: string };

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('invalid-json' as const), variant: fc.nat({ max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('oversized' as const), bytes: fc.constantFrom(1_100_000, 3_000_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('top-level' as const), text: fc.constantFrom('[]', '"x"', '1', 'null', 'true', '[{}]', '') }) },
);

/** The body text after a text mutation. */
export function mutateText(text: string, mutation: TextMutation): string {
  switch (mutation.kind) {
    case 'none':
      return text;
    case 'top-level':
      return mutation.text;
    case 'oversized':
      // Still valid JSON, so only the size is wrong.
      return text.startsWith('{') ? `{"padding":"${'x'.repeat(mutation.bytes)}"${text === '{}' ? '' : ','}${text.slice(1)}` : `[${text},"${'x'.repeat(mutation.bytes)}"]`;
    case 'invalid-json':
      return [
        text.slice(0, Math.max(1, Math.floor(text.length / 2))),
        `${text}}`,
        `\ufeff${text}`,
        text.replace(/"/g, "'"),
        'NaN',
        'undefined',
        `{"a":1,"a":2,${text.slice(1)}`,
        `${text.slice(0, -1)},}`,
        '{"a": 1e}',
        `{"x": "\\ud800\\u00", ${text.slice(1)}`,
      ][mutation.variant % 10]!;
  }
}
