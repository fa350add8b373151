import express, { type RequestHandler } from 'express';
import { GatewayConfigError, formatIssues, type ConfigIssue } from '../config/issues.js';
import type { GatewayConfig, PluginUse, RouteConfig } from '../config/load.js';
import { PLATFORM_SERVICE } from '../config/platform-route.js';
import type { PluginContext } from '../plugins/plugin.js';
import { createProxy, ServiceProxies, type ServiceTarget } from '../plugins/proxy/index.js';
import { setRouteMatch } from '../plugins/route-match.js';
import { requestState } from '../request-state.js';
import { compileRouteMatcher, type RouteMatcher } from './match-route.js';

/** What every plugin of a pipeline is built with; each instance also learns its route. */
export type PipelineContext = Omit<PluginContext, 'route'>;

interface CompiledRoute {
  name: string;
  matches: RouteMatcher;
  chain: express.Router;
}

/** Creates a list's plugins; a plugin that refuses this context becomes an issue at its place in the file. */
function createPlugins(uses: readonly PluginUse[], at: readonly PropertyKey[], config: GatewayConfig, context: PluginContext, issues: ConfigIssue[]) {
  return uses.flatMap((use, index): RequestHandler[] => {
    try {
      return [config.registry.get(use.name)!.create(use.config, context)];
    } catch (error) {
      issues.push({ path: [...at, index, 'config'], message: (error as Error).message });
      return [];
    }
  });
}

/** The config's services as proxy targets. */
export function serviceTargets(config: GatewayConfig): ServiceTarget[] {
  return Object.entries(config.services).map(([name, service]) => ({ name, ...service }));
}

/** A route's last step: the proxy to its service, the platform's own API, or none (the request goes on). */
function endOf(route: RouteConfig, at: number, targets: readonly ServiceTarget[], proxies: ServiceProxies, context: PipelineContext, issues: ConfigIssue[]): RequestHandler[] {
  if (route.service === PLATFORM_SERVICE) {
    if (context.platformApi !== undefined) return [context.platformApi];
    issues.push({ path: ['routes', at, 'service'], message: "the platform's /v1 API is served only by a hookgate gateway" });
    return [];
  }
  const target = targets.find((candidate) => candidate.name === route.service);
  if (target === undefined) return [];
  const pathRewrite = route.pathRewrite.map((rule) => ({ pattern: new RegExp(rule.pattern), replacement: rule.replacement }));
  return [createProxy({ stripPath: route.stripPath, pathRewrite }, proxies.get(target))];
}

/**
 * Builds the gateway's request handler from a validated config: each route runs the global
 * plugins (one instance shared by every route), then its own, in the order the file lists them,
 * then the proxy to its service (or, for `service: hookgate`, the platform's `/v1` API). The first route whose methods, hosts and paths match serves the
 * request; a request no route matches, or a route without a service whose plugins all passed,
 * goes on to the next handler of the app (the `/v1` API, the 404).
 *
 * Throws a GatewayConfigError naming the plugin when one cannot be created in this context.
 * `proxies` carries the service proxies over from an earlier build (see ReloadableGateway).
 *
 * @example app.use(buildGatewayPipeline(await loadGatewayConfig(file), { logger, metrics, redis }))
 */
export function buildGatewayPipeline(config: GatewayConfig, context: PipelineContext, proxies = new ServiceProxies(context.metrics)): RequestHandler {
  const issues: ConfigIssue[] = [];
  const targets = serviceTargets(config);
  const globals = createPlugins(config.plugins, ['plugins'], config, { ...context, route: undefined }, issues);
  const routes = config.routes.map((route, index): CompiledRoute => {
    const own = createPlugins(route.plugins, ['routes', index, 'plugins'], config, { ...context, route: route.name }, issues);
    const chain = express.Router();
    const handlers = [...globals, ...own, ...endOf(route, index, targets, proxies, context, issues)];
    if (handlers.length > 0) chain.use(handlers);
    return { name: route.name, matches: compileRouteMatcher(route), chain };
  });
  if (issues.length > 0) throw new GatewayConfigError(formatIssues(config.file, config, issues));

  return function routeThroughGateway(req, res, next) {
    for (const route of routes) {
      const match = route.matches(req);
      if (match === undefined) continue;
      setRouteMatch(res, match);
      const state = requestState(res);
      state.route = route.name;
      // Plugins and the problem handler log through the request's logger; without the request-id plugin it is the gateway's.
      state.logger ??= context.logger;
      route.chain(req, res, next);
      return;
    }
    next();
  };
}
