import { z } from 'zod';

/**
 * Field types that plugin and file schemas share, with messages an operator can act on
 * (zod's defaults speak of types, not of what to write).
 */
export function positiveInt(max = Number.MAX_SAFE_INTEGER) {
  return z
    .number({ error: 'must be a positive integer' })
    .int({ error: 'must be a positive integer' })
    .positive({ error: 'must be a positive integer' })
    .max(max, { error: `must be at most ${max}` });
}

/** A URL whose scheme is one of `protocols` (e.g. `['http:', 'https:']`). */
export function urlWithScheme(protocols: readonly string[]) {
  return z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a URL starting ${protocols.map((protocol) => `${protocol}//`).join(' or ')}` },
  );
}

/** One string or a non-empty list of them (an accepted issuer, audience, origin...). */
export function oneOrMany(item: z.ZodString) {
  // A tuple with a rest element, so the type says non-empty as jsonwebtoken's options want.
  return z.union([item, z.tuple([item], item)]);
}
