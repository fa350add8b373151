/**
 * JSON for port calls over HTTP. Plain JSON drops `undefined`, but the ports give it meaning
 * (a scope of `undefined` is the operator; a patch key set to `undefined` clears the field),
 * so it travels as a marker object and is restored on the other side.
 */
const UNDEFINED_MARKER = '$hookgate:undefined';

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (inner === undefined ? { [UNDEFINED_MARKER]: true } : inner));
}

function isMarker(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    (value as Record<string, unknown>)[UNDEFINED_MARKER] === true
  );
}

function restore(value: unknown): unknown {
  if (isMarker(value)) return undefined;
  if (Array.isArray(value)) return value.map(restore);
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = restore(record[key]);
  }
  return value;
}

export function decodeWire(text: string): unknown {
  return restore(JSON.parse(text));
}

/** For a body a JSON parser already read: puts `undefined` back where the markers stand. */
export function restoreUndefined(parsed: unknown): unknown {
  return restore(parsed);
}
