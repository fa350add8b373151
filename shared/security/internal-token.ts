import { createHmac } from 'node:crypto';

/**
 * The bearer token tiers use between themselves (gateway and processor calling the storage
 * service). Derived from the encryption key every tier already shares, so there is no extra
 * secret to distribute; it never equals the key itself.
 */
export function deriveInternalToken(encryptionKeyBase64: string): string {
  return createHmac('sha256', Buffer.from(encryptionKeyBase64, 'base64')).update('hookgate/internal-token/v1').digest('base64url');
}
