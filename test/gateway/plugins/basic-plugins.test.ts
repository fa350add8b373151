import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { expectProblemBody, startGatewayFromYaml, startUpstream, type RunningGateway, type Upstream } from './gateway-fixture.js';

describe('request-id, cors and body-limit plugins', () => {
  let gateway: RunningGateway | undefined;
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
    gateway = upstream = undefined;
  });

  it('request-id: echoes a sane id, replaces an unsafe one', async () => {
    gateway = await startGatewayFromYaml('plugins: [{name: request-id}]\nroutes: [{name: any, paths: [/]}]');
    expect((await fetch(gateway.url, { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123');
    const replaced = (await fetch(gateway.url, { headers: { 'x-request-id': 'bad id\twith spaces' } })).headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('cors', () => {
    const yaml = `
routes:
  - name: orders
    methods: [POST]
    paths: [/api/orders]
    plugins:
      - name: cors
        config: {origins: ["https://shop.example.com"], credentials: true, maxAgeSeconds: 120}
`;

    it('answers the preflight of a POST-only route itself', async () => {
      gateway = await startGatewayFromYaml(yaml);
      const response = await fetch(`${gateway.url}/api/orders`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-allow-headers')).toBe('authorization');
      expect(response.headers.get('access-control-max-age')).toBe('120');
    });

    it('adds CORS headers for an allowed origin only', async () => {
      gateway = await startGatewayFromYaml(yaml);
      const allowed = await fetch(`${gateway.url}/api/orders`, { method: 'POST', headers: { origin: 'https://shop.example.com' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(allowed.headers.get('access-control-expose-headers')).toBe('x-request-id,ratelimit,ratelimit-policy,retry-after');
      const other = await fetch(`${gateway.url}/api/orders`, { method: 'POST', headers: { origin: 'https://evil.example.com' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('body-limit', () => {
    const start = async () => {
      upstream = await startUpstream((req, res) => {
        let bytes = 0;
        req.on('data', (chunk: Buffer) => (bytes += chunk.length));
        req.on('end', () => res.writeHead(200).end(String(bytes)));
      });
      gateway = await startGatewayFromYaml(`
services: {orders: {url: "${upstream.url}"}}
routes:
  - name: orders
    service: orders
    paths: [/api/orders]
    plugins: [{name: body-limit, config: {maxBytes: 1000}}]
`);
    };

    it('passes a body within the limit', async () => {
      await start();
      const response = await fetch(`${gateway!.url}/api/orders`, { method: 'POST', body: 'x'.repeat(1000) });
      expect(await response.text()).toBe('1000');
    });

    it('refuses a declared Content-Length over the limit with 413 before reaching the upstream', async () => {
      await start();
      const problem = await expectProblemBody(await fetch(`${gateway!.url}/api/orders`, { method: 'POST', body: 'x'.repeat(1001) }), 413, 'payload-too-large');
      expect(problem.detail).toBe('The body is larger than 1000 bytes.');
      expect(upstream!.requests).toHaveLength(0);
    });

    it('refuses a chunked body with 413 as soon as it streams past the limit', async () => {
      await start();
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const outgoing = request(`${gateway!.url}/api/orders`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
        outgoing.on('error', reject);
        outgoing.on('response', (response) => {
          let body = '';
          response.on('data', (data: Buffer) => (body += data.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        outgoing.write('x'.repeat(600));
        setTimeout(() => outgoing.end('x'.repeat(600)), 50);
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ type: 'https://hookgate.dev/problems/payload-too-large' });
    });
  });
});
