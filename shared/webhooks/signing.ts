import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/**
 * The `webhook-signature` header of the Standard Webhooks specification: `v1,<base64 HMAC-SHA256
 * of "id.timestamp.body">` per secret, separated by spaces (several while a secret rotates).
 */
export function signWebhook(secrets: readonly string[], webhookId: string, timestampSeconds: number, body: string): string {
  const content = `${webhookId}.${timestampSeconds}.${body}`;
  return secrets.map((secret) => 'v1,' + createHmac('sha256', secretBytes(secret)).update(content).digest('base64')).join(' ');
}
