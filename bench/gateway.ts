import { startBareProxy, startBenchGateway } from './gateway-targets.js';
import { runLoad, type LoadOptions, type LoadResult } from './http-load.js';
import { startJsonUpstream } from './json-upstream.js';
import { printTable } from './stats.js';

/**
 * GET throughput and latency through the gateway (key-auth, rate-limit, request-id, metrics and
 * the proxy on one route) beside a bare node:http proxy to the same upstream and the upstream
 * called directly, all measured in this run. The upstream and the load generator each run on
 * their own worker thread; the two proxies on the main thread, one at a time.
 */
export async function gatewaySuite(options: LoadOptions): Promise<void> {
  const upstream = await startJsonUpstream();
  const bare = await startBareProxy(upstream.url);
  const gateway = await startBenchGateway(upstream.url);
  try {
    const path = '/orders/7';
    const upstreamConnections: number[] = [];
    const measure = async (name: string, url: string, headers: Record<string, string>) => {
      const before = await upstream.connections();
      const run = await runLoad(name, url, headers, options);
      upstreamConnections.push((await upstream.connections()) - before);
      return run;
    };
    const direct = await measure('upstream direct', upstream.url + path, {});
    const bareRun = await measure('bare node:http proxy', bare.url + path, {});
    const gatewayRun = await measure('gateway (4 plugins + proxy)', gateway.url, { authorization: `Bearer ${gateway.key}` });
    const runs: LoadResult[] = [direct, bareRun, gatewayRun];

    printTable(
      `gateway (GET, ${options.requests} requests after ${options.warmup} warm-up, ${options.concurrency} concurrent, undici keep-alive pool, node ${process.version})`,
      direct,
      [bareRun, gatewayRun],
    );
    const ratio = (a: number, b: number) => (a / b).toFixed(3);
    process.stdout.write(
      `gateway vs bare proxy: ${ratio(gatewayRun.perSecond, bareRun.perSecond)}x per second, ` +
        `p50 ${ratio(gatewayRun.p50Ms, bareRun.p50Ms)}x, p99 ${ratio(gatewayRun.p99Ms, bareRun.p99Ms)}x\n`,
    );
    process.stdout.write(
      `gateway vs direct: p50 ${ratio(gatewayRun.p50Ms, direct.p50Ms)}x, p99 ${ratio(gatewayRun.p99Ms, direct.p99Ms)}x\n`,
    );
    runs.forEach((run, index) => {
      process.stdout.write(`upstream TCP connections opened (warm-up included) ${run.name}: ${upstreamConnections[index]}\n`);
    });
    for (const run of runs) {
      process.stdout.write(`errors (not 200, warm-up included) ${run.name}: ${run.errors}${run.errorSamples.length > 0 ? ` e.g. ${run.errorSamples.join(' | ')}` : ''}\n`);
    }
  } finally {
    await gateway.stop();
    await bare.close(1_000);
    await upstream.stop();
  }
}
