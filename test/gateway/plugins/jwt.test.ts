import { createHmac, generateKeyPairSync, sign as signWith } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it } from 'vitest';
import { expectProblemBody, startGatewayFromYaml, startUpstream, type RunningGateway, type Upstream } from './gateway-fixture.js';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'orders-api';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: AUDIENCE, sub: 'user-7', app_id: 'app_shop', exp: now() + 300, ...extra });
const claimsWithout = (name: string) => Object.fromEntries(Object.entries(claims()).filter(([claim]) => claim !== name));

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');
/** A token put together by hand, for headers jsonwebtoken refuses to sign. */
function handMade(header: object, payload: object, signature: (input: string) => Buffer | string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signed = signature(input);
  return `${input}.${typeof signed === 'string' ? signed : signed.toString('base64url')}`;
}

function routeYaml(jwtConfig: string): string {
  return `
routes:
  - name: orders
    paths: [/api/orders]
    plugins:
      - name: jwt
        config: {${jwtConfig}, issuer: "${ISSUER}", audience: ${AUDIENCE}, appClaim: app_id}
`;
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('jwt plugin', () => {
  let gateway: RunningGateway;
  let jwks: Upstream | undefined;
  afterEach(async () => {
    await gateway.close();
    await jwks?.close();
    jwks = undefined;
  });

  describe('with an RS256 public key', () => {
    const start = async () => {
      gateway = await startGatewayFromYaml(routeYaml(`algorithms: [RS256], publicKey: ${JSON.stringify(rsaPublicPem)}`));
    };

    it('lets a valid token through and names the app from the configured claim', async () => {
      await start();
      const token = jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256' });
      const response = await fetch(`${gateway.url}/api/orders`, bearer(token));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ route: 'orders', caller: { kind: 'app', appId: 'app_shop', keyId: 'jwt:user-7' } });
    });

    const rejected: [string, () => string, RegExp][] = [
      ['an expired token', () => jwt.sign(claims({ exp: now() - 120 }), rsa.privateKey, { algorithm: 'RS256' }), /expired/],
      ['a wrong issuer', () => jwt.sign(claims({ iss: 'https://evil.test/' }), rsa.privateKey, { algorithm: 'RS256' }), /issuer invalid/],
      ['a wrong audience', () => jwt.sign(claims({ aud: 'billing-api' }), rsa.privateKey, { algorithm: 'RS256' }), /audience invalid/],
      ['alg none', () => handMade({ alg: 'none', typ: 'JWT' }, claims(), () => ''), /algorithm none is not accepted/],
      [
        'an HS256 token signed with the RSA public key as its secret',
        () => handMade({ alg: 'HS256', typ: 'JWT' }, claims(), (input) => createHmac('sha256', rsaPublicPem).update(input).digest()),
        /algorithm HS256 is not accepted/,
      ],
      ['a bad signature', () => jwt.sign(claims(), otherRsa.privateKey, { algorithm: 'RS256' }), /invalid signature/],
      ['a token without exp', () => jwt.sign(claimsWithout('exp'), rsa.privateKey, { algorithm: 'RS256' }), /no exp claim/],
      ['a token without the app claim', () => jwt.sign(claimsWithout('app_id'), rsa.privateKey, { algorithm: 'RS256' }), /app_id claim/],
      ['garbage', () => 'not.a.jwt', /malformed/],
    ];
    for (const [what, token, detail] of rejected) {
      it(`answers ${what} with 401 problem+json`, async () => {
        await start();
        const response = await fetch(`${gateway.url}/api/orders`, bearer(token()));
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        const problem = await expectProblemBody(response, 401, 'unauthorized');
        expect(problem.detail).toMatch(detail);
      });
    }

    it('answers a request without a bearer token with 401', async () => {
      await start();
      await expectProblemBody(await fetch(`${gateway.url}/api/orders`), 401, 'unauthorized');
    });

    it('accepts a token that expired within the clock tolerance', async () => {
      await start();
      const token = jwt.sign(claims({ exp: now() - 5 }), rsa.privateKey, { algorithm: 'RS256' });
      expect((await fetch(`${gateway.url}/api/orders`, bearer(token))).status).toBe(200);
    });
  });

  it('verifies HS256 tokens with a shared secret', async () => {
    const secret = 'a-test-secret-that-is-long-enough-0123456789';
    gateway = await startGatewayFromYaml(routeYaml(`algorithms: [HS256], secret: ${secret}`));
    const good = jwt.sign(claims(), secret, { algorithm: 'HS256' });
    const bad = jwt.sign(claims(), `${secret}-other`, { algorithm: 'HS256' });
    expect((await fetch(`${gateway.url}/api/orders`, bearer(good))).status).toBe(200);
    await expectProblemBody(await fetch(`${gateway.url}/api/orders`, bearer(bad)), 401, 'unauthorized');
  });

  it('verifies ES256 tokens with an EC public key', async () => {
    const pem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    gateway = await startGatewayFromYaml(routeYaml(`algorithms: [ES256], publicKey: ${JSON.stringify(pem)}`));
    const token = jwt.sign(claims(), ec.privateKey, { algorithm: 'ES256' });
    expect((await fetch(`${gateway.url}/api/orders`, bearer(token))).status).toBe(200);
  });

  it('finds keys in a JWKS by kid, caches the set, and refuses a kid it does not publish', async () => {
    const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' };
    jwks = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    gateway = await startGatewayFromYaml(routeYaml(`algorithms: [RS256], jwksUri: ${jwks.url}/.well-known/jwks.json`));
    const token = jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256', keyid: 'key-1' });
    expect((await fetch(`${gateway.url}/api/orders`, bearer(token))).status).toBe(200);
    expect((await fetch(`${gateway.url}/api/orders`, bearer(token))).status).toBe(200);
    expect(jwks.requests).toHaveLength(1);

    const unknown = jwt.sign(claims(), otherRsa.privateKey, { algorithm: 'RS256', keyid: 'key-2' });
    const problem = await expectProblemBody(await fetch(`${gateway.url}/api/orders`, bearer(unknown)), 401, 'unauthorized');
    expect(problem.detail).toMatch(/key "key-2" is not published/);
  });

  it('answers 503 when the JWKS cannot be read', async () => {
    jwks = await startUpstream((_req, res) => res.writeHead(500).end());
    gateway = await startGatewayFromYaml(routeYaml(`algorithms: [RS256], jwksUri: ${jwks.url}/jwks.json`));
    const token = jwt.sign(claims(), rsa.privateKey, { algorithm: 'RS256', keyid: 'key-1' });
    await expectProblemBody(await fetch(`${gateway.url}/api/orders`, bearer(token)), 503, 'unavailable');
  });
});

// Keeps the helper honest: a hand-made RS256 token verifies like one from jsonwebtoken.
it('hand-made tokens are well formed', () => {
  const token = handMade({ alg: 'RS256', typ: 'JWT' }, claims(), (input) => signWith('sha256', Buffer.from(input), rsa.privateKey));
  expect(jwt.verify(token, rsa.publicKey, { algorithms: ['RS256'] })).toMatchObject({ app_id: 'app_shop' });
});
