import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { oneOrMany, positiveInt, urlWithScheme } from '../config-fields.js';

const HMAC = ['HS256', 'HS384', 'HS512'] as const;
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const EC = ['ES256', 'ES384', 'ES512'] as const;
const ALGORITHMS = [...HMAC, ...RSA, ...EC] as const;

/** The key type a PEM public key holds, or undefined when it is not one. */
function publicKeyType(pem: string): string | undefined {
  try {
    return createPublicKey(pem).asymmetricKeyType;
  } catch {
    return undefined;
  }
}

/**
 * The `jwt` plugin's config. The algorithm list is explicit and `none` is not among the choices;
 * the key must fit the algorithms (a secret for HS*, a public key or JWKS for the rest, never
 * both: accepting HS256 beside an RSA key is how a token signed with the public key as an HMAC
 * secret gets through).
 */
export const jwtConfigSchema = z
  .strictObject({
    algorithms: z.array(z.enum(ALGORITHMS, { error: `must be one of ${ALGORITHMS.join(', ')}` })).min(1),
    /** HMAC secret for HS*; at least 32 characters (RFC 7518: as long as the hash). */
    secret: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    /** PEM public key (`-----BEGIN PUBLIC KEY-----`) for RS*, PS* or ES*. */
    publicKey: z.string().refine((pem) => publicKeyType(pem) !== undefined, { error: 'must be a PEM public key' }).optional(),
    /** Where the issuer publishes its keys; fetched when a token names an unknown `kid`, then cached. */
    jwksUri: urlWithScheme(['https:', 'http:']).optional(),
    jwksCacheMaxAgeMs: positiveInt(86_400_000).default(600_000),
    issuer: oneOrMany(z.string().min(1)),
    audience: oneOrMany(z.string().min(1)),
    /** The claim naming the calling app. */
    appClaim: z.string().min(1).default('sub'),
    /** Leeway for `exp` and `nbf` between clocks. */
    clockToleranceSeconds: z.number().int().min(0).max(300, { error: 'must be at most 300 (5 minutes)' }).default(30),
  })
  .superRefine((config, ctx) => {
    const keys = (['secret', 'publicKey', 'jwksUri'] as const).filter((field) => config[field] !== undefined);
    if (keys.length !== 1) {
      ctx.addIssue({ code: 'custom', path: keys.length > 1 ? [keys[1]!] : [], message: 'set exactly one of secret, publicKey or jwksUri' });
      return;
    }
    const hmac = config.algorithms.filter((alg) => (HMAC as readonly string[]).includes(alg));
    if (config.secret !== undefined && hmac.length !== config.algorithms.length) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'with a secret, only HS256, HS384 or HS512' });
    }
    if (config.secret === undefined && hmac.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: `${hmac.join(', ')} needs a secret, not a public key` });
    }
    const keyType = config.publicKey === undefined ? undefined : publicKeyType(config.publicKey);
    const fits = keyType === 'ec' ? EC : keyType === 'rsa' || keyType === 'rsa-pss' ? RSA : undefined;
    if (fits !== undefined && config.algorithms.some((alg) => !(fits as readonly string[]).includes(alg))) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: `an ${keyType} public key takes only ${fits.join(', ')}` });
    }
  });

export type JwtConfig = z.output<typeof jwtConfigSchema>;
