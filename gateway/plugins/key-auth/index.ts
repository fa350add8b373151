import type { Request } from 'express';
import { z } from 'zod';
import { UnauthorizedError } from '../../../shared/errors/index.js';
import { bearerToken } from '../../../shared/http/bearer-token.js';
import { API_KEY_PREFIX } from '../../../shared/security/key-hash.js';
import { requestState, type Caller } from '../../request-state.js';
import { definePlugin } from '../plugin.js';
import { UNLIMITED_AUTH_FAILURES } from '../rate-limit/auth-failure-limiter.js';

export const keyAuthConfigSchema = z.strictObject({
  /**
   * Where the key is read from: `authorization` (the default) means `Authorization: Bearer <key>`;
   * any other header name (`x-api-key`) carries the key as its whole value.
   */
  header: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, { error: 'must be a header name in lower case' })
    .default('authorization'),
  /** Also accept the operator's token (the platform's `/v1` API needs it); apps' keys only otherwise. */
  operator: z.boolean().default(false),
});

function credentialOf(req: Request, header: string): string | undefined {
  const value = req.get(header);
  if (value === undefined) return undefined;
  if (header === 'authorization') return bearerToken(value);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Authenticates an app by one of its API keys. Storage keeps only each key's HMAC-SHA-256 under
 * the server secret and the lookup is by that hash, so what a request's timing could reveal is
 * about a keyed hash an attacker cannot compute, never about a key; the operator's token is
 * compared in constant time. Lookups are cached briefly by the gateway's storage (5 s; a key
 * deleted through this gateway stops working at once; a key that matched nothing is answered
 * from the cache for 10 s). Every 401 spends the client address's budget of failed
 * authentications (`HOOKGATE_AUTH_FAILURE_LIMIT`), and an address over it gets 429 before its key
 * is looked up. The caller lands in the request state for the plugins after it (`rate-limit` by
 * app, `emit-event`) and for the `/v1` API.
 *
 * @example plugins: [{ name: key-auth, config: { header: x-api-key } }]
 */
export const keyAuthPlugin = definePlugin({
  name: 'key-auth',
  configSchema: keyAuthConfigSchema,
  provides: ['caller'],
  create(config, context) {
    const { storage, keyHasher, isAdminToken } = context;
    if (storage === undefined || keyHasher === undefined) throw new Error('key-auth needs the platform storage (it runs inside a hookgate gateway)');
    if (config.operator && isAdminToken === undefined) throw new Error('key-auth with operator: true needs the operator token (HOOKGATE_ADMIN_TOKEN)');
    const where = config.header === 'authorization' ? 'an Authorization: Bearer header' : `the ${config.header} header`;

    async function identify(credential: string | undefined): Promise<Caller> {
      if (credential === undefined) throw new UnauthorizedError(`This route needs an API key in ${where}.`);
      if (credential.startsWith(API_KEY_PREFIX)) {
        const key = await storage!.apiKeys.findByHash(keyHasher!.hash(credential));
        if (key === null) throw new UnauthorizedError('The API key is not valid (revoked, or never issued).');
        return { kind: 'app', appId: key.appId, keyId: key.id };
      }
      if (config.operator && isAdminToken!(credential)) return { kind: 'operator' };
      throw new UnauthorizedError(config.operator ? 'The bearer token is not valid.' : 'The API key is not valid (revoked, or never issued).');
    }

    const failures = context.authFailures ?? UNLIMITED_AUTH_FAILURES;
    return function authenticateByKey(req, res, next) {
      return failures.authenticate(req, res, next, async () => {
        requestState(res).caller = await identify(credentialOf(req, config.header));
      });
    };
  },
});
