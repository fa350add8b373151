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
 * one level, a scalar none). Walks with its own stack, never recursing, and stops at the first
 * container past the limit, so it costs at most one visit per value, whatever the input.
 *
 * @example
 * nestsDeeperThan(JSON.parse('[[[1]]]'), 2) // true
 */
export function nestsDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Array.isArray(next.value) ? next.value : Object.values(next.value)) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth });
    }
  }
  return false;
}
