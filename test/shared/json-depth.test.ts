import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../shared/webhooks/json-depth.js';

describe('nestsDeeperThan', () => {
  it('counts each array and object as one level, scalars as none', () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan([], 0)).toBe(true);
    expect(nestsDeeperThan([], 1)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
  });

  it('finds the one deep branch among shallow siblings', () => {
    const deep = JSON.parse(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`);
    expect(nestsDeeperThan({ a: 1, b: [1, 2, { c: deep }] })).toBe(true);
    expect(nestsDeeperThan({ a: 1, b: deep })).toBe(true);
    expect(nestsDeeperThan(deep)).toBe(false);
  });

  it('answers for 1,000,000 levels without overflowing the stack: it never recurses past the limit', () => {
    const depth = 1_000_000;
    const deep = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(nestsDeeperThan(deep)).toBe(true);
    expect(nestsDeeperThan(deep, 1_000)).toBe(true);
    const exact = JSON.parse(`${'['.repeat(1_000)}${']'.repeat(1_000)}`);
    expect(nestsDeeperThan(exact, 1_000)).toBe(false);
    expect(nestsDeeperThan(exact, 999)).toBe(true);
  });
});
