import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { isId, newId } from '../../shared/ids.js';

describe('ids', () => {
  it('are prefixed per resource and sort by creation time', () => {
    const ids = Array.from({ length: 1000 }, () => newId('event'));
    expect(ids.every((id) => isId('event', id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.abs(decodeTime(ids[0]!.slice(4)) - Date.now())).toBeLessThan(5_000);
  });

  it('tell kinds apart', () => {
    expect(isId('subscription', newId('subscription'))).toBe(true);
    expect(isId('subscription', newId('event'))).toBe(false);
    expect(isId('event', 'evt_not-a-ulid')).toBe(false);
  });
});
