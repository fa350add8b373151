import { afterEach, describe, expect, it } from 'vitest';
import { GatewayConfigError } from '../../../gateway/config/index.js';
import { createReloadableGateway, reloadOnFileChange, reloadOnSignal, type ReloadableGateway } from '../../../gateway/pipeline/index.js';
import { startHttpServer, type RunningServer } from '../../../shared/http/http-server.js';
import { eventually } from '../../support/api-client.js';
import { gatewayApp, startUpstream, testContext, writeConfig, type Upstream } from '../plugins/gateway-fixture.js';

const routeNamed = (name: string, path = '/api/orders', service = '') => `
${service}
routes:
  - name: ${name}
    paths: [${path}]${service ? '\n    service: orders' : ''}
`;

describe('reloadable gateway', () => {
  let server: RunningServer | undefined;
  let upstream: Upstream | undefined;
  let file: ReturnType<typeof writeConfig>;
  afterEach(async () => {
    await server?.close(1_000);
    await upstream?.close();
    file.remove();
    server = upstream = undefined;
  });

  const start = async (yaml: string) => {
    file = writeConfig(yaml);
    const context = testContext();
    const gateway = await createReloadableGateway(file.path, { context });
    server = await startHttpServer(gatewayApp(gateway.handler), 0, '127.0.0.1');
    return { gateway, context, url: server.url };
  };
  const routeAt = async (url: string) => ((await (await fetch(url)).json()) as { route: string | null }).route;

  it('keeps the last good config when a reload is invalid, says why, and counts it', async () => {
    const { gateway, context, url } = await start(routeNamed('first'));
    file.rewrite(routeNamed('second').replace('paths: [/api/orders]', 'paths: [api/orders]'));
    const rejected = await gateway.reload();
    expect(rejected).toEqual({ ok: false, errors: [`${file.path}: routes[0] (second).paths[0]: must start with /`] });
    expect(await routeAt(`${url}/api/orders`)).toBe('first');
    expect(gateway.config().routes[0]!.name).toBe('first');

    file.rewrite(routeNamed('second'));
    expect(await gateway.reload()).toMatchObject({ ok: true });
    expect(await routeAt(`${url}/api/orders`)).toBe('second');
    const metrics = await context.metrics.registry.metrics();
    expect(metrics).toMatch(/hookgate_gateway_config_reloads_total\{outcome="rejected"[^}]*\} 1/);
    expect(metrics).toMatch(/hookgate_gateway_config_reloads_total\{outcome="applied"[^}]*\} 1/);
  });

  it('refuses to start from an invalid file', async () => {
    file = writeConfig('routes: [{name: a}]');
    const error = await createReloadableGateway(file.path, { context: testContext() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayConfigError);
    expect((error as GatewayConfigError).issues).toEqual([`${file.path}: routes[0] (a).paths: is required`]);
  });

  it('drops no request while reloading under load', async () => {
    upstream = await startUpstream((_req, res) => setTimeout(() => res.writeHead(200).end('ok'), 15));
    const services = `services: {orders: {url: "${upstream.url}"}}`;
    const { gateway, url } = await start(routeNamed('blue', '/api/orders', services));
    let reloading = true;
    const reloads = (async () => {
      let count = 0;
      while (reloading) {
        file.rewrite(routeNamed(count % 2 === 0 ? 'green' : 'blue', '/api/orders', services));
        expect(await gateway.reload()).toMatchObject({ ok: true });
        count++;
      }
      return count;
    })();
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        for (let index = 0; index < 15; index++) {
          const response = await fetch(`${url}/api/orders`);
          await response.text();
          statuses.push(response.status);
        }
      }),
    );
    reloading = false;
    expect(await reloads).toBeGreaterThan(10);
    expect(statuses).toHaveLength(600);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it('reloads on SIGHUP', async () => {
    const { gateway } = await start(routeNamed('before'));
    const stop = reloadOnSignal(gateway as ReloadableGateway);
    try {
      file.rewrite(routeNamed('after'));
      process.kill(process.pid, 'SIGHUP');
      await eventually(async () => (gateway.config().routes[0]!.name === 'after' ? true : undefined), 5_000);
    } finally {
      stop();
    }
  });

  it('reloads when the file changes, if asked to', async () => {
    const { gateway } = await start(routeNamed('before'));
    const stop = reloadOnFileChange(gateway, file.path, 50);
    try {
      // Polling compares with the first stat it took; a change before that is the baseline.
      await new Promise((resolve) => setTimeout(resolve, 300));
      file.rewrite(routeNamed('after-change'));
      await eventually(async () => (gateway.config().routes[0]!.name === 'after-change' ? true : undefined), 5_000);
    } finally {
      stop();
    }
  });
});
