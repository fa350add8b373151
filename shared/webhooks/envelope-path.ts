/**
 * Dotted paths into an event's envelope (`data.orderId`), as merge keys and filters name them.
 * A tenant writes the path, so it must never reach what the envelope inherits: a segment such
 * as `constructor` would otherwise resolve to a function on every event.
 */

/** Segments that name what every object inherits, or that rewrite an object's prototype. */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Why a path cannot be used to read an envelope, or null when it can. */
export function envelopePathError(path: string): string | null {
  if (path.length === 0) return 'must not be empty';
  for (const segment of path.split('.')) {
    if (segment === '') return 'must be dot-separated names without empty parts';
    if (INHERITED_NAMES.has(segment)) return `"${segment}" names a built-in property of every object, not a field of the event`;
  }
  return null;
}

/**
 * The value at a dotted path, through the envelope's own properties only (array items by
 * index), or undefined.
 */
export function valueAtPath(root: unknown, path: string): unknown {
  let value = root;
  for (const segment of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
