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
 * Compiles a path (one `envelopePathError` accepts) into a reader of the value at it, through the
 * envelope's own properties only (array items by index), or undefined. The path is split once,
 * not per event. Bound: one own-property read per segment, and a path is at most 255 characters.
 *
 * @example
 * const orderId = envelopePathReader('data.orderId');
 * orderId({ data: { orderId: 'o-1' } }); // 'o-1'
 */
export function envelopePathReader(path: string): (root: unknown) => unknown {
  const segments = path.split('.');
  return function valueAtPath(root) {
    let value = root;
    for (const segment of segments) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
    }
    return value;
  };
}
