import { createHash, randomFillSync } from 'node:crypto';
import { monotonicFactory, ulid } from 'ulid';

/** Resource id prefixes from API.md; the ULID after the prefix sorts by creation time. */
export const ID_PREFIXES = {
  app: 'app_',
  key: 'key_',
  subscription: 'sub_',
  event: 'evt_',
  delivery: 'dlv_',
  attempt: 'att_',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/**
 * Random fractions for ulid, drawn from a pool refilled 4 KiB at a time: ulid asks for one
 * per character, and one crypto call per character was a measurable share of each request.
 */
function pooledRandom(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]! / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

export function newId(kind: IdKind): string {
  return ID_PREFIXES[kind] + nextUlid();
}

export function isId(kind: IdKind, value: string): boolean {
  return value.startsWith(ID_PREFIXES[kind]) && /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value.slice(ID_PREFIXES[kind].length));
}

/**
 * An id that is the same every time it is derived from the same `parts` (so a message handled
 * twice after a crash names the same record twice), sorting by `time` like a new id does.
 */
export function derivedId(kind: IdKind, time: number, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  let index = 0;
  const fromDigest = () => (digest[index++ % digest.length]! % 32) / 32;
  return ID_PREFIXES[kind] + ulid(time, fromDigest);
}
