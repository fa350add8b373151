import { NotFoundError } from '../../shared/errors/index.js';
import type { SecretBox } from '../../shared/security/secret-box.js';
import { generateSigningSecret } from '../../shared/webhooks/signing.js';
import type { EncryptedSecrets, SubscriptionStore, TenantScope } from '../../storage/ports/index.js';

export interface SubscriptionSecretsOptions {
  subscriptions: SubscriptionStore;
  secretBox: SecretBox;
  /** How long a rotated-out secret keeps signing beside the new one (`HOOKGATE_SECRET_ROTATION_GRACE`). */
  rotationGraceMs: number;
}

export interface RotatedSecret {
  secret: string;
  previousExpiresAt: string;
}

export interface SubscriptionSecrets {
  /** A new signing secret, in clear (to show once) and sealed (to store). */
  issue(): { secret: string; sealed: EncryptedSecrets };
  /** The current signing secret of a subscription in scope. */
  current(subscriptionId: string, scope: TenantScope): Promise<string>;
  /** Makes a new current secret; the old one signs beside it until `previousExpiresAt`. */
  rotate(subscriptionId: string, scope: TenantScope): Promise<RotatedSecret>;
}

export function createSubscriptionSecrets(options: SubscriptionSecretsOptions): SubscriptionSecrets {
  const { subscriptions, secretBox } = options;

  async function sealedSecretsOf(subscriptionId: string, scope: TenantScope): Promise<EncryptedSecrets> {
    // Secrets are read by id alone, so the scope is checked on the subscription first.
    const subscription = await subscriptions.get(subscriptionId, scope);
    const secrets = subscription === null ? null : await subscriptions.getSecrets(subscriptionId);
    if (secrets === null) throw new NotFoundError(`Subscription ${subscriptionId}`);
    return secrets;
  }

  return {
    issue() {
      const secret = generateSigningSecret();
      return { secret, sealed: { current: secretBox.encrypt(secret) } };
    },
    async current(subscriptionId, scope) {
      return secretBox.decrypt((await sealedSecretsOf(subscriptionId, scope)).current);
    },
    async rotate(subscriptionId, scope) {
      const sealed = await sealedSecretsOf(subscriptionId, scope);
      const secret = generateSigningSecret();
      const now = Date.now();
      const previousExpiresAt = new Date(now + options.rotationGraceMs).toISOString();
      await subscriptions.setSecrets(
        subscriptionId,
        { current: secretBox.encrypt(secret), previous: sealed.current, previousExpiresAt },
        new Date(now).toISOString(),
      );
      return { secret, previousExpiresAt };
    },
  };
}
