import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JwtHeader } from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { UnauthorizedError, UnavailableError } from '../../../shared/errors/index.js';
import type { JwtConfig } from './config.js';

/** Finds the key that should have signed a token, from its header. */
export type KeyLookup = (header: JwtHeader) => Promise<KeyObject | string>;

/** jwks-rsa's errors that say the token names a key the issuer does not publish: the caller's fault. */
const UNKNOWN_KEY_ERRORS = new Set(['SigningKeyNotFoundError', 'JwksRateLimitError']);

/**
 * The key source of a `jwt` config: the HMAC secret, the configured public key, or the issuer's
 * JWKS through jwks-rsa (cached for `jwksCacheMaxAgeMs`; fetched again for an unknown `kid` at
 * most 10 times a minute, so forged `kid`s cannot make us hammer the issuer).
 */
export function keyLookup(config: JwtConfig): KeyLookup {
  if (config.secret !== undefined) {
    const secret = config.secret;
    return async () => secret;
  }
  if (config.publicKey !== undefined) {
    const key = createPublicKey(config.publicKey);
    return async () => key;
  }
  const jwksUri = config.jwksUri!;
  const client = new JwksClient({
    jwksUri,
    cache: true,
    cacheMaxAge: config.jwksCacheMaxAgeMs,
    cacheMaxEntries: 32,
    rateLimit: true,
    jwksRequestsPerMinute: 10,
    timeout: 5_000,
  });
  return async (header) => {
    try {
      const signingKey = await client.getSigningKey(header.kid);
      return signingKey.getPublicKey();
    } catch (error) {
      if (UNKNOWN_KEY_ERRORS.has((error as Error).name)) {
        throw new UnauthorizedError(`The token's key${header.kid ? ` "${header.kid}"` : ''} is not published by its issuer.`);
      }
      throw new UnavailableError('The token issuer\'s key set (JWKS) cannot be read; retry later.', error);
    }
  };
}
