import { builtinRegistry } from '../plugins/builtins.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { checkReferences } from './check-references.js';
import { withPlatformRoute, type PlatformRouteOptions } from './platform-route.js';
import { formatIssues, GatewayConfigError, issuesFromZod } from './issues.js';
import { withPluginModules } from './plugin-modules.js';
import { readConfigFile } from './read-config-file.js';
import { resolvePlugins, type PluginUse } from './resolve-plugins.js';
import { gatewayFileSchema, pluginEntrySchema, type GatewayFile, type ServiceConfig } from './schema.js';

export type { PluginUse, ServiceConfig };

export type RouteConfig = Readonly<Omit<GatewayFile['routes'][number], 'plugins'>> & { readonly plugins: readonly PluginUse[] };

/** A validated gateway config: the data deep-frozen, and the registry it was validated against. */
export interface GatewayConfig {
  readonly file: string;
  readonly services: Readonly<Record<string, Readonly<ServiceConfig>>>;
  /** Global plugins, run first on every route. */
  readonly plugins: readonly PluginUse[];
  readonly routes: readonly RouteConfig[];
  /** The built-ins plus the file's plugin modules; the pipeline creates plugins from it. */
  readonly registry: PluginRegistry;
}

export interface LoadGatewayConfigOptions {
  /** Where `${VAR}` values come from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** Route `/v1` to the platform's API when the file does not (what a gateway serving it passes). */
  platformRoute?: PlatformRouteOptions;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const fileSchema = gatewayFileSchema(pluginEntrySchema);

/** What messages name as the file when no config file is set: the gateway serves only the `/v1` API. */
const BUILT_IN = '(built-in config)';

/**
 * Reads, substitutes and validates a gateway config file (none: the built-in config, which only
 * routes the `/v1` API): the file's schema (unknown keys
 * rejected), its references (services, unique route names), its plugin modules, then each
 * plugin's config against that plugin's own schema. Throws a `GatewayConfigError` listing every
 * mistake as `file: routes[0] (name).plugins[1] (rate-limit).config.limit: message`.
 *
 * @example const config = await loadGatewayConfig(process.env.HOOKGATE_CONFIG ?? 'hookgate.yaml');
 */
export async function loadGatewayConfig(file: string | undefined, options: LoadGatewayConfigOptions = {}): Promise<GatewayConfig> {
  const source = file ?? BUILT_IN;
  const read = file === undefined ? ({ ok: true, data: {} } as const) : await readConfigFile(file, options.env ?? process.env);
  if (!read.ok) throw new GatewayConfigError(formatIssues(source, read.data, read.issues));
  const parsed = fileSchema.safeParse(read.data);
  if (!parsed.success) throw new GatewayConfigError(formatIssues(source, read.data, issuesFromZod(parsed.error)));
  const routed = options.platformRoute === undefined ? parsed.data : withPlatformRoute(parsed.data, options.platformRoute);
  const modules = await withPluginModules(builtinRegistry(), source, routed.pluginModules);
  const plugins = resolvePlugins(routed, modules.registry);
  const issues = [...modules.issues, ...checkReferences(routed), ...plugins.issues];
  if (issues.length > 0) throw new GatewayConfigError(formatIssues(source, routed, issues));
  const routes = routed.routes.map((route, index) => ({ ...route, plugins: plugins.routes[index] ?? [] }));
  const data = deepFreeze({ file: source, services: routed.services, plugins: plugins.globals, routes });
  return Object.freeze({ ...data, registry: modules.registry });
}

/**
 * Validates a config file without building anything: the messages of every mistake, or none.
 * What `hookgate check-config FILE` prints.
 *
 * @example const errors = await checkGatewayConfig('hookgate.yaml'); process.exitCode = errors.length > 0 ? 1 : 0;
 */
export async function checkGatewayConfig(file: string, options: LoadGatewayConfigOptions = {}): Promise<string[]> {
  try {
    await loadGatewayConfig(file, options);
    return [];
  } catch (error) {
    if (error instanceof GatewayConfigError) return [...error.issues];
    throw error;
  }
}
