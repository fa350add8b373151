import { describe, expect, it } from 'vitest';
import { eventTypeError, matchesPattern, patternError } from '../../shared/webhooks/event-pattern.js';

describe('event-type patterns (AMQP topic semantics)', () => {
  it.each([
    ['order.paid', 'order.paid', true],
    ['order.paid', 'order.created', false],
    ['order.*', 'order.paid', true],
    ['order.*', 'order', false],
    ['order.*', 'order.paid.late', false],
    ['order.#', 'order', true],
    ['order.#', 'order.paid.late', true],
    ['#', 'anything.at.all', true],
    ['#.paid', 'invoice.paid', true],
    ['#.paid', 'paid', true],
    ['*.paid', 'paid', false],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c', false],
    ['*.*', 'a.b', true],
  ])('%s against %s is %s', (pattern, type, expected) => {
    expect(matchesPattern(pattern, type)).toBe(expected);
  });

  it.each(['order.**', 'order..paid', '', 'order.pa*d', 'order paid', '.order'])('refuses the pattern %j', (pattern) => {
    expect(patternError(pattern)).not.toBeNull();
  });

  it('accepts well-formed patterns and types', () => {
    expect(patternError('order.*')).toBeNull();
    expect(patternError('#')).toBeNull();
    expect(eventTypeError('order.paid_v2')).toBeNull();
    expect(eventTypeError('order.*')).not.toBeNull();
  });
});
