import type { SecretBox } from '../shared/security/secret-box.js';
import type { Subscription } from '../shared/types.js';
import { signWebhook } from '../shared/webhooks/signing.js';
import type { EncryptedSecrets } from '../storage/ports/index.js';
import type { WebhookRequest } from './sender/webhook-sender.js';

/**
 * The secrets that sign now, decrypted, newest first: the current one, and during a rotation's
 * grace period the previous one too (so a receiver that has either verifies).
 */
export function activeSigningSecrets(sealed: EncryptedSecrets, secretBox: SecretBox, now: number): string[] {
  const secrets = [secretBox.decrypt(sealed.current)];
  if (sealed.previous !== undefined && sealed.previousExpiresAt !== undefined && Date.parse(sealed.previousExpiresAt) > now) {
    secrets.push(secretBox.decrypt(sealed.previous));
  }
  return secrets;
}

export interface WebhookRequestInput {
  deliveryId: string;
  subscription: Pick<Subscription, 'url' | 'headers'>;
  secrets: readonly string[];
  body: string;
  userAgent: string;
  /** Unix time of this attempt, in milliseconds. */
  now: number;
  traceparent?: string;
}

/**
 * The POST of API.md "What a subscriber receives": Standard Webhooks headers (webhook-id is
 * the delivery id, so it is the same on every attempt; the timestamp is this attempt's), the
 * subscription's static headers, and the publisher's trace context.
 */
export function buildWebhookRequest(input: WebhookRequestInput): WebhookRequest {
  const timestamp = Math.floor(input.now / 1000);
  return {
    url: input.subscription.url,
    body: input.body,
    headers: {
      ...input.subscription.headers,
      'content-type': 'application/json',
      'user-agent': input.userAgent,
      'webhook-id': input.deliveryId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(input.secrets, input.deliveryId, timestamp, input.body),
      ...(input.traceparent !== undefined ? { traceparent: input.traceparent } : {}),
    },
  };
}
