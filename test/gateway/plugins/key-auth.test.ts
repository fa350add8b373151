import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../gateway-harness.js';
import { expectProblemBody, startUpstream, writeConfig, type Upstream } from './gateway-fixture.js';

/** A gateway whose file routes /api to a real upstream behind key-auth, and lets /v1 get its default route. */
async function gatewayWithKeyAuth(upstream: Upstream, header: string) {
  const file = writeConfig(`
services:
  orders: {url: "${upstream.url}"}
plugins:
  - name: request-id
  - name: metrics
routes:
  - name: orders
    service: orders
    paths: [/api]
    plugins:
      - name: key-auth
        config: {header: ${header}}
      - name: rate-limit
        config: {limit: 1000, windowMs: 60000, by: app}
`);
  return { gateway: await startGateway({ env: { HOOKGATE_CONFIG: file.path } }), file };
}

describe('key-auth plugin on a proxied route, with the /v1 API beside it', () => {
  let gateway: GatewayHarness | undefined;
  let upstream: Upstream | undefined;
  let remove: (() => void) | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await upstream?.close();
    remove?.();
  });

  it('lets an app key from /v1 through the x-api-key header, and refuses a missing, unknown or revoked key with 401', async () => {
    upstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders":[]}'));
    const started = await gatewayWithKeyAuth(upstream, 'x-api-key');
    gateway = started.gateway;
    remove = started.file.remove;
    const { appId, key } = await gateway.createApp('shop');

    const passed = await fetch(`${gateway.url}/api/orders`, { headers: { 'x-api-key': key } });
    expect(passed.status).toBe(200);
    expect(await passed.json()).toEqual({ orders: [] });
    expect(passed.headers.get('x-request-id')).toBeTruthy();
    expect(upstream.requests).toHaveLength(1);

    await expectProblemBody(await fetch(`${gateway.url}/api/orders`), 401, 'unauthorized');
    await expectProblemBody(await fetch(`${gateway.url}/api/orders`, { headers: { 'x-api-key': 'hg_never-issued' } }), 401, 'unauthorized');
    // The operator's token is for /v1 only: this route did not ask for it.
    await expectProblemBody(await fetch(`${gateway.url}/api/orders`, { headers: { 'x-api-key': 'gateway-test-admin-token-0123456789' } }), 401, 'unauthorized');
    expect(upstream.requests).toHaveLength(1);

    const keys = await gateway.admin.get(`/v1/apps/${appId}/keys`);
    const keyId = (keys.body.data as { id: string }[])[0]!.id;
    expect((await gateway.admin.delete(`/v1/apps/${appId}/keys/${keyId}`)).status).toBe(204);
    await expectProblemBody(await fetch(`${gateway.url}/api/orders`, { headers: { 'x-api-key': key } }), 401, 'unauthorized');

    const metrics = (await gateway.anonymous.get('/metrics')).body as string;
    expect(metrics).toMatch(/hookgate_http_requests_total\{[^}]*route="orders",method="GET",status="200"[^}]*\} 1/);
    expect(metrics).toMatch(/hookgate_http_requests_total\{[^}]*route="orders",method="GET",status="401"[^}]*\} 4/);
  });
});
