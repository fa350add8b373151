import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrorsOf, MAX_FIELD_ERRORS } from '../../../gateway/routing/validation.js';

const schema = z.strictObject({ name: z.string(), size: z.number().optional() });

function errorsFor(input: unknown) {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('expected the input to be refused');
  return fieldErrorsOf(parsed.error, '(body)');
}

describe('fieldErrorsOf', () => {
  it('names each invalid and each unknown field at its own path', () => {
    expect(errorsFor({ size: 'x', extra: 1 })).toEqual([
      { path: 'name', message: 'Invalid input: expected string, received undefined' },
      { path: 'size', message: 'Invalid input: expected number, received string' },
      { path: 'extra', message: 'is not a known field' },
    ]);
  });

  it(`lists at most ${MAX_FIELD_ERRORS} fields and counts the rest, so 60,000 unknown keys do not earn a 3 MB answer`, () => {
    const body = Object.fromEntries(Array.from({ length: 60_000 }, (_, index) => [`k${index}`, index]));
    const errors = errorsFor({ name: 'a', ...body });
    expect(errors).toHaveLength(MAX_FIELD_ERRORS + 1);
    expect(errors[0]).toEqual({ path: 'k0', message: 'is not a known field' });
    expect(errors.at(-1)).toEqual({ path: '(body)', message: `and ${60_000 - MAX_FIELD_ERRORS} more invalid fields, not listed` });
    expect(JSON.stringify(errors).length).toBeLessThan(5_000);
  });
});
