import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { activeSigningSecrets, buildWebhookRequest } from '../../processor/webhook-request.js';
import { SecretBox } from '../../shared/security/secret-box.js';
import { generateSigningSecret } from '../../shared/webhooks/signing.js';
import type { WebhookRequest } from '../../processor/sender/webhook-sender.js';

const box = new SecretBox(SecretBox.generateKey());
const HOUR = 3600_000;

const envelope = { id: 'evt_01JTEST', type: 'order.paid', timestamp: '2026-11-23T10:00:00Z', data: { orderId: 'o-1', amount: 42, note: 'héllo ✓' } };

/** What a subscriber does with the standardwebhooks library: throws unless the signature verifies. */
function verify(secret: string, request: WebhookRequest): unknown {
  return new Webhook(secret).verify(request.body, request.headers);
}

function build(secrets: string[], now = Date.now(), headers?: Record<string, string>): WebhookRequest {
  return buildWebhookRequest({
    deliveryId: 'dlv_01JTESTDELIVERY',
    subscription: { url: 'https://receiver.example.com/hooks', ...(headers ? { headers } : {}) },
    secrets,
    body: JSON.stringify(envelope),
    userAgent: 'hookgate/0.1.0',
    now,
  });
}

describe('a webhook built by the processor, verified with the standardwebhooks package', () => {
  it('verifies with the subscription secret and yields the envelope', () => {
    const secret = generateSigningSecret();
    const request = build(activeSigningSecrets({ current: box.encrypt(secret) }, box, Date.now()));

    expect(verify(secret, request)).toEqual(envelope);
    expect(request.headers['webhook-id']).toBe('dlv_01JTESTDELIVERY');
    expect(request.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('hookgate/0.1.0');
  });

  it('does not verify with another secret, a changed body, a changed id or a stale timestamp', () => {
    const secret = generateSigningSecret();
    const request = build([secret]);
    expect(() => verify(generateSigningSecret(), request)).toThrow();
    expect(() => verify(secret, { ...request, body: request.body.replace('42', '43') })).toThrow();
    expect(() => verify(secret, { ...request, headers: { ...request.headers, 'webhook-id': 'dlv_other' } })).toThrow();
    // Replayed ten minutes later: the library's five-minute tolerance refuses it.
    const old = build([secret], Date.now() - 10 * 60_000);
    expect(() => verify(secret, old)).toThrow();
  });

  it('keeps the signed headers even when the subscription sets static headers', () => {
    const secret = generateSigningSecret();
    const request = build([secret], Date.now(), { 'x-tenant': 'acme', authorization: 'Bearer abc' });
    expect(request.headers['x-tenant']).toBe('acme');
    expect(request.headers.authorization).toBe('Bearer abc');
    expect(verify(secret, request)).toEqual(envelope);
  });

  it('during a rotation carries two signatures, and a receiver with either secret verifies', () => {
    const previous = generateSigningSecret();
    const current = generateSigningSecret();
    const now = Date.now();
    const secrets = activeSigningSecrets(
      { current: box.encrypt(current), previous: box.encrypt(previous), previousExpiresAt: new Date(now + 24 * HOUR).toISOString() },
      box,
      now,
    );
    expect(secrets).toEqual([current, previous]);

    const request = build(secrets, now);
    expect(request.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verify(current, request)).toEqual(envelope);
    expect(verify(previous, request)).toEqual(envelope);
    expect(() => verify(generateSigningSecret(), request)).toThrow();
  });

  it('stops signing with the previous secret once its grace period is over', () => {
    const previous = generateSigningSecret();
    const current = generateSigningSecret();
    const now = Date.now();
    for (const expiresAt of [now - 1, now]) {
      const secrets = activeSigningSecrets(
        { current: box.encrypt(current), previous: box.encrypt(previous), previousExpiresAt: new Date(expiresAt).toISOString() },
        box,
        now,
      );
      expect(secrets).toEqual([current]);
      const request = build(secrets, now);
      expect(request.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      expect(verify(current, request)).toEqual(envelope);
      expect(() => verify(previous, request)).toThrow();
    }
  });

  it('ignores a previous secret that has no expiry recorded', () => {
    const current = generateSigningSecret();
    const secrets = activeSigningSecrets({ current: box.encrypt(current), previous: box.encrypt(generateSigningSecret()) }, box, Date.now());
    expect(secrets).toEqual([current]);
  });
});
