import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'hg_';

/** A new API key: `hg_` + 32 random bytes in base64url. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Keyed hash for stored credentials (API keys): HMAC-SHA-256 under a server secret, so a
 * leaked table cannot be checked against guesses without that secret too.
 */
export class KeyHasher {
  readonly #secret: Buffer;

  constructor(encryptionKeyBase64: string) {
    // A key derived for this one purpose, so the hash key never equals the encryption key.
    this.#secret = createHash('sha256').update('hookgate/api-key-hash/v1').update(Buffer.from(encryptionKeyBase64, 'base64')).digest();
  }

  hash(credential: string): string {
    return createHmac('sha256', this.#secret).update(credential).digest('base64url');
  }
}

/** Constant-time comparison of two strings of possibly different length. */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
