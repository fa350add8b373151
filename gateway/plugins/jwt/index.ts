import type { Request, Response } from 'express';
import jwt, { type JwtPayload, type VerifyOptions } from 'jsonwebtoken';
import { UnauthorizedError } from '../../../shared/errors/index.js';
import { bearerToken } from '../../../shared/http/bearer-token.js';
import { requestState } from '../../request-state.js';
import { definePlugin } from '../plugin.js';
import { UNLIMITED_AUTH_FAILURES } from '../rate-limit/auth-failure-limiter.js';
import { jwtConfigSchema } from './config.js';
import { keyLookup } from './keys.js';


/** jsonwebtoken's reason, without the accepted values it appends (`expected: ...`), which are ours to keep. */
function rejection(error: unknown): UnauthorizedError {
  // jsonwebtoken is CommonJS: its error classes are reached through the default export.
  if (error instanceof jwt.TokenExpiredError) return new UnauthorizedError('The token has expired.');
  const reason = error instanceof Error ? error.message.replace(/\.? expected: .*$/s, '') : 'invalid token';
  return new UnauthorizedError(`The token is not valid: ${reason}.`);
}

/**
 * Authenticates a request by the JWT in `Authorization: Bearer`, with jsonwebtoken: only the
 * configured algorithms (never `none`), a signature by the configured key, an `exp` that is
 * required and not past, and the configured issuer and audience, all within a small clock
 * tolerance. The app is taken from `appClaim`. Every failure is 401 problem+json and spends the
 * client address's budget of failed authentications (shared with key-auth; over it, 429 before the
 * token is looked at); a JWKS that cannot be read is 503.
 *
 * The caller's `keyId` is `jwt:<sub>`: a token names no stored API key, and this lets a
 * `rate-limit` `by: key` count each token subject on its own.
 *
 * @example plugins: [{ name: jwt, config: { algorithms: [RS256], jwksUri: https://id.example.com/jwks.json, issuer: https://id.example.com/, audience: orders } }]
 */
export const jwtPlugin = definePlugin({
  name: 'jwt',
  configSchema: jwtConfigSchema,
  provides: ['caller'],
  create(config, context) {
    const lookup = keyLookup(config);
    const accepted: readonly string[] = config.algorithms;
    const verifyOptions: VerifyOptions = {
      algorithms: config.algorithms,
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: config.clockToleranceSeconds,
    };
    const failures = context.authFailures ?? UNLIMITED_AUTH_FAILURES;
    async function verify(req: Request, res: Response): Promise<void> {
      const token = bearerToken(req.get('authorization'));
      if (token === undefined) throw new UnauthorizedError('Send a JWT as a Bearer credential.');
      const decoded = jwt.decode(token, { complete: true });
      if (decoded === null) throw new UnauthorizedError('The token is not valid: jwt malformed.');
      // Judged before the key lookup, so a token cannot make us fetch keys for an algorithm we refuse.
      if (!accepted.includes(decoded.header.alg)) {
        throw new UnauthorizedError(`The token is not valid: algorithm ${decoded.header.alg} is not accepted.`);
      }
      const key = await lookup(decoded.header);
      let payload: string | JwtPayload;
      try {
        payload = jwt.verify(token, key, verifyOptions);
      } catch (error) {
        throw rejection(error);
      }
      if (typeof payload === 'string' || typeof payload.exp !== 'number') {
        throw new UnauthorizedError('The token is not valid: it has no exp claim, and tokens must expire.');
      }
      const appId = payload[config.appClaim];
      if (typeof appId !== 'string' || appId === '') {
        throw new UnauthorizedError(`The token is not valid: its ${config.appClaim} claim does not name an app.`);
      }
      requestState(res).caller = { kind: 'app', appId, keyId: `jwt:${payload.sub ?? appId}` };
    }
    return function verifyJwt(req, res, next) {
      return failures.authenticate(req, res, next, () => verify(req, res));
    };
  },
});
