/**
 * How deeply a tenant's JSON (an event's `data`) may nest. JSON.parse reads any depth without
 * recursing, but JSON.stringify, the stores' drivers (BSON allows 100 levels in a whole
 * document) and expression evaluation recurse: 5,000 nested arrays overflowed the stack of the
 * SQLite store (a 500). 64 levels is far beyond any real payload and well inside every one of
 * those limits, the envelope and message wrappers included.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `value` nests arrays or objects more than `limit` levels deep (`{}` and `[]` are
 * one level, a scalar none). It recurses, but never deeper than `limit` + 1 frames whatever the
 * input: a container met with no levels left answers at once. It stops at the first container
 * past the limit and visits each value at most once otherwise (about 100 ns a value).
 *
 * @example
 * nestsDeeperThan(JSON.parse('[[[1]]]'), 2) // true
 */
export function nestsDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (typeof child === 'object' && child !== null && nestsDeeperThan(child, limit - 1)) return true;
    return false;
  }
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && nestsDeeperThan(child, limit - 1)) return true;
  }
  return false;
}
