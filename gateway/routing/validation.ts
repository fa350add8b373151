import type { z } from 'zod';
import type { FieldError } from '../../shared/errors/index.js';

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * Zod issues as API.md's `errors: [{path, message}]`, one entry per offending field: an unknown
 * key is reported at its own path (`headers.x`), not at the object holding it.
 */
export function fieldErrorsOf(error: z.ZodError, rootLabel: string): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: 'is not a known field' }));
    }
    const message = issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
    return [{ path: joinPath(issue.path) || rootLabel, message }];
  });
}
