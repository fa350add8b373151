import type { RequestHandler } from 'express';
import { GatewayConfigError } from '../config/issues.js';
import { loadGatewayConfig, type GatewayConfig, type LoadGatewayConfigOptions } from '../config/load.js';
import { ServiceProxies } from '../plugins/proxy/index.js';
import { buildGatewayPipeline, serviceTargets, type PipelineContext } from './build-pipeline.js';

export type ReloadResult = { ok: true; config: GatewayConfig } | { ok: false; errors: readonly string[] };

export interface ReloadableGateway {
  /** Serves each request with the pipeline that was current when it arrived. */
  readonly handler: RequestHandler;
  /** The config in force. */
  config(): GatewayConfig;
  /** Loads the file again; applies it when valid, otherwise keeps the running config and returns why. */
  reload(): Promise<ReloadResult>;
}

export interface ReloadableGatewayOptions extends LoadGatewayConfigOptions {
  context: PipelineContext;
}

/**
 * The gateway's routes from a config file (none: the built-in config), reloadable while
 * serving. A reload builds a whole new pipeline beside the running one and swaps one reference,
 * so a request is served start to end by the pipeline it began with and none is dropped. An invalid file never takes the gateway
 * down: the last good config stays, the errors are logged and counted, and returned.
 * The first load must succeed: it throws a GatewayConfigError otherwise.
 *
 * @example
 * const gateway = await createReloadableGateway(file, { context: { logger, metrics, redis } });
 * app.use(gateway.handler);
 * reloadOnSignal(gateway);
 */
export async function createReloadableGateway(file: string | undefined, options: ReloadableGatewayOptions): Promise<ReloadableGateway> {
  const { context, ...loadOptions } = options;
  const reloads = context.metrics.gatewayConfigReloads;
  const proxies = new ServiceProxies(context.metrics);
  const build = async () => {
    const config = await loadGatewayConfig(file, loadOptions);
    return { config, handle: buildGatewayPipeline(config, context, proxies) };
  };
  let current = await build();
  // One reload at a time, in the order asked, so an older file can never replace a newer one.
  let queue: Promise<unknown> = Promise.resolve();

  const reloadNow = async (): Promise<ReloadResult> => {
    try {
      current = await build();
      proxies.keepOnly(serviceTargets(current.config));
      reloads.inc({ outcome: 'applied' });
      context.logger.info({ file, routes: current.config.routes.length }, 'gateway config reloaded');
      return { ok: true, config: current.config };
    } catch (error) {
      const errors = error instanceof GatewayConfigError ? error.issues : [`${file}: ${(error as Error).message}`];
      reloads.inc({ outcome: 'rejected' });
      context.logger.error({ file, errors }, 'gateway config reload rejected; the running config stays');
      return { ok: false, errors };
    }
  };

  return {
    handler: function serveWithCurrentConfig(req, res, next) {
      current.handle(req, res, next);
    },
    config: () => current.config,
    reload() {
      const result = queue.then(reloadNow);
      queue = result;
      return result;
    },
  };
}
