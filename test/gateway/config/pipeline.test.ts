import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayFromYaml, startUpstream, type RunningGateway, type Upstream } from '../plugins/gateway-fixture.js';

const TAG_PLUGIN = fileURLToPath(new URL('./fixtures/tag-plugin.ts', import.meta.url));

/** GET with a Host header of our choosing (fetch will not set one). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (response) => {
      let body = '';
      response.on('data', (data: Buffer) => (body += data.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

const routeOf = async (response: Response) => ((await response.json()) as { route: string | null }).route;

describe('gateway pipeline', () => {
  let gateway: RunningGateway | undefined;
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
    gateway = upstream = undefined;
  });

  it('runs the global plugins, then the route plugins in the order listed, then the proxy', async () => {
    upstream = await startUpstream((req, res) => res.writeHead(200).end(`upstream saw ${req.url}`));
    gateway = await startGatewayFromYaml(`
pluginModules: [{name: tag, module: "${TAG_PLUGIN}"}]
services: {orders: {url: "${upstream.url}"}}
plugins:
  - {name: tag, config: {label: global}}
routes:
  - name: proxied
    service: orders
    paths: [/api/orders]
    plugins: [{name: tag, config: {label: second}}, {name: tag, config: {label: third}}]
  - name: local
    paths: [/local]
    plugins: [{name: tag, config: {label: only}}]
`);
    const proxied = await fetch(`${gateway.url}/api/orders/1`);
    expect(proxied.headers.get('x-chain')).toBe('global,second,third');
    expect(await proxied.text()).toBe('upstream saw /api/orders/1');
    const local = await fetch(`${gateway.url}/local`);
    expect(local.headers.get('x-chain')).toBe('global,only');
    expect(await routeOf(local)).toBe('local');
  });

  describe('matching', () => {
    const start = async () => {
      gateway = await startGatewayFromYaml(`
routes:
  - {name: read-orders, methods: [GET], paths: [/api/orders, /api/orders-v1]}
  - {name: write-orders, methods: [POST, PUT], paths: [/api/orders]}
  - {name: order-items, paths: ["/api/orders/:id/items"]}
  - {name: shop-hosts, hosts: [api.example.com, "*.shop.test"], paths: [/hosted]}
`);
      return gateway.url;
    };

    it('matches paths as prefixes at a / boundary, case-sensitively', async () => {
      const url = await start();
      expect(await routeOf(await fetch(`${url}/api/orders`))).toBe('read-orders');
      expect(await routeOf(await fetch(`${url}/api/orders/7/items`))).toBe('read-orders');
      expect(await routeOf(await fetch(`${url}/api/orders-v1/7`))).toBe('read-orders');
      expect(await routeOf(await fetch(`${url}/api/ordersX`))).toBeNull();
      expect(await routeOf(await fetch(`${url}/API/orders`))).toBeNull();
    });

    it('takes the first route in file order whose methods match; GET also serves HEAD', async () => {
      const url = await start();
      expect(await routeOf(await fetch(`${url}/api/orders`, { method: 'POST' }))).toBe('write-orders');
      expect(await routeOf(await fetch(`${url}/api/orders/7/items`, { method: 'DELETE' }))).toBe('order-items');
      expect(await routeOf(await fetch(`${url}/api/orders`, { method: 'DELETE' }))).toBeNull();
      expect((await fetch(`${url}/api/orders`, { method: 'HEAD' })).status).toBe(200);
    });

    it('routes a CORS preflight by the method it announces', async () => {
      const url = await start();
      const preflight = await fetch(`${url}/api/orders`, { method: 'OPTIONS', headers: { origin: 'https://a.test', 'access-control-request-method': 'PUT' } });
      expect(await routeOf(preflight)).toBe('write-orders');
    });

    it('matches hosts exactly or by a *. suffix', async () => {
      const url = await start();
      const routeForHost = async (host: string) => (JSON.parse((await getWithHost(`${url}/hosted`, host)).body) as { route: string | null }).route;
      expect(await routeForHost('api.example.com')).toBe('shop-hosts');
      expect(await routeForHost('API.Example.com:8443')).toBe('shop-hosts');
      expect(await routeForHost('eu.shop.test')).toBe('shop-hosts');
      expect(await routeForHost('shop.test')).toBeNull();
      expect(await routeForHost('other.example.com')).toBeNull();
    });
  });
});
