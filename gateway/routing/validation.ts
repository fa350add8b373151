import type { z } from 'zod';
import type { FieldError } from '../../shared/errors/index.js';

/**
 * At most this many fields are listed in a 422's `errors`, then one entry counts the rest: a
 * 1 MB body of 60,000 unknown keys would otherwise earn a 3 MB answer, and building it would
 * hold the event loop for other tenants' requests.
 */
export const MAX_FIELD_ERRORS = 50;

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * Zod issues as API.md's `errors: [{path, message}]`, one entry per offending field: an unknown
 * key is reported at its own path (`headers.x`), not at the object holding it. Past
 * MAX_FIELD_ERRORS entries, the last one says how many more were not listed.
 */
export function fieldErrorsOf(error: z.ZodError, rootLabel: string): FieldError[] {
  const errors: FieldError[] = [];
  let unlisted = 0;
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const room = Math.max(0, MAX_FIELD_ERRORS - errors.length);
      for (const key of issue.keys.slice(0, room)) errors.push({ path: joinPath([...issue.path, key]), message: 'is not a known field' });
      unlisted += Math.max(0, issue.keys.length - room);
      continue;
    }
    if (errors.length >= MAX_FIELD_ERRORS) {
      unlisted++;
      continue;
    }
    const message = issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
    errors.push({ path: joinPath(issue.path) || rootLabel, message });
  }
  if (unlisted > 0) errors.push({ path: rootLabel, message: `and ${unlisted} more invalid fields, not listed` });
  return errors;
}
