import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { deadPort, expectProblemBody, startGatewayFromYaml, startUpstream, type RunningGateway, type Upstream } from './gateway-fixture.js';

function proxiedRoute(serviceUrl: string, route: string, service = ''): string {
  return `
services:
  orders: {url: "${serviceUrl}"${service}}
plugins:
  - name: request-id
routes:
  - name: orders
    service: orders
    paths: [/api/orders]
${route}
`;
}

describe('proxy', () => {
  let gateway: RunningGateway | undefined;
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
    gateway = upstream = undefined;
  });
  const echoPath = () => startUpstream((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url })));

  it('keeps the matched path by default, under the service URL path, with the query', async () => {
    upstream = await echoPath();
    gateway = await startGatewayFromYaml(proxiedRoute(`${upstream.url}/v2`, ''));
    const response = await fetch(`${gateway.url}/api/orders/7?expand=items`);
    expect(await response.json()).toEqual({ url: '/v2/api/orders/7?expand=items' });
  });

  it('strips the matched prefix with stripPath', async () => {
    upstream = await echoPath();
    gateway = await startGatewayFromYaml(proxiedRoute(`${upstream.url}/v2`, '    stripPath: true'));
    expect(await (await fetch(`${gateway.url}/api/orders/7?x=1`)).json()).toEqual({ url: '/v2/7?x=1' });
    expect(await (await fetch(`${gateway.url}/api/orders`)).json()).toEqual({ url: '/v2' });
  });

  it('rewrites the path with the first matching rule', async () => {
    upstream = await echoPath();
    const rules = `    pathRewrite:
      - {pattern: "^/api/orders/(\\\\d+)$", replacement: "/orders/by-id/$1"}
      - {pattern: "^/api", replacement: ""}`;
    gateway = await startGatewayFromYaml(proxiedRoute(upstream.url, rules));
    expect(await (await fetch(`${gateway.url}/api/orders/42`)).json()).toEqual({ url: '/orders/by-id/42' });
    expect(await (await fetch(`${gateway.url}/api/orders/42/items`)).json()).toEqual({ url: '/orders/42/items' });
  });

  it('sends the request id and X-Forwarded-* upstream and the upstream host as Host', async () => {
    upstream = await echoPath();
    gateway = await startGatewayFromYaml(proxiedRoute(upstream.url, ''));
    const response = await fetch(`${gateway.url}/api/orders`, { headers: { 'x-request-id': 'req-abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('req-abc-123');
    const seen = upstream.requests[0]!.headers;
    expect(seen['x-request-id']).toBe('req-abc-123');
    expect(seen['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(new URL(gateway.url).host);
    expect(seen.host).toBe(new URL(upstream.url).host);
  });

  it('answers 504 problem+json when the upstream stays silent past timeoutMs', async () => {
    upstream = await startUpstream(() => {}); // never answers
    gateway = await startGatewayFromYaml(proxiedRoute(upstream.url, '', ', timeoutMs: 300'));
    const started = Date.now();
    const problem = await expectProblemBody(await fetch(`${gateway.url}/api/orders`), 504, 'upstream-timeout');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
    expect(problem.detail).toMatch(/"orders" did not answer in time \(no answer within 300 ms\)/);
    expect(await gateway.context.metrics.registry.metrics()).toMatch(/hookgate_proxy_upstream_errors_total\{service="orders",reason="timeout"[^}]*\} 1/);
  });

  it('answers 502 problem+json when nothing listens upstream', async () => {
    gateway = await startGatewayFromYaml(proxiedRoute(`http://127.0.0.1:${await deadPort()}`, ''));
    const problem = await expectProblemBody(await fetch(`${gateway.url}/api/orders`), 502, 'upstream-unavailable');
    expect(problem.detail).toMatch(/"orders" cannot be reached \(ECONNREFUSED\)/);
    expect(await gateway.context.metrics.registry.metrics()).toMatch(/hookgate_proxy_upstream_errors_total\{service="orders",reason="connect"[^}]*\} 1/);
  });

  it('streams a large body both ways without buffering it', async () => {
    // The upstream echoes the body as it arrives; the client sends the rest only once the
    // first echoed bytes are back, which a gateway holding either body would never allow.
    upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    });
    gateway = await startGatewayFromYaml(proxiedRoute(upstream.url, ''));
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const chunks = 64;
    const received = await new Promise<number>((resolve, reject) => {
      const outgoing = request(`${gateway!.url}/api/orders/upload`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
      outgoing.on('error', reject);
      outgoing.on('response', (response) => {
        let bytes = 0;
        let sent = 1;
        response.on('data', (data: Buffer) => {
          bytes += data.length;
          if (sent === 1) {
            // The first echo is back: now send the rest, honouring back-pressure.
            const sendRest = () => {
              while (sent < chunks) {
                sent++;
                if (!outgoing.write(chunk)) return void outgoing.once('drain', sendRest);
              }
              outgoing.end();
            };
            sendRest();
          }
        });
        response.on('end', () => resolve(bytes));
        response.on('error', reject);
      });
      outgoing.write(chunk);
      outgoing.flushHeaders();
    });
    expect(received).toBe(chunk.length * chunks);
  });

  it('cuts the client off when the upstream dies in the middle of its answer', async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100));
      setTimeout(() => res.socket?.destroy(), 50);
    });
    gateway = await startGatewayFromYaml(proxiedRoute(upstream.url, ''));
    const response = await fetch(`${gateway.url}/api/orders`);
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
  });
});
