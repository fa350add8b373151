import type { Capability, GatewayPlugin } from '../plugins/plugin.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { issuesFromZod, type ConfigIssue } from './issues.js';
import { PLATFORM_SERVICE } from './platform-route.js';
import type { GatewayFile } from './schema.js';

/** A plugin in a chain, with its config as the plugin's own schema parsed it (defaults applied). */
export interface PluginUse {
  readonly name: string;
  readonly config: unknown;
}

const CAPABILITY_WORDS: Record<Capability, string> = { caller: 'an earlier plugin that authenticates the caller' };

type Entry = GatewayFile['plugins'][number];

/** Checks one chain in order: each name registered, each config valid, each requirement met by a plugin before it. */
function resolveChain(
  entries: readonly Entry[],
  at: readonly PropertyKey[],
  registry: PluginRegistry,
  provided: Set<Capability>,
  issues: ConfigIssue[],
): PluginUse[] {
  return entries.flatMap((entry, index): PluginUse[] => {
    const path = [...at, index];
    const plugin: GatewayPlugin | undefined = registry.get(entry.name);
    if (plugin === undefined) {
      const message =
        entry.name === 'proxy'
          ? 'the proxy is not listed as a plugin: a route with a service ends in it'
          : `no plugin named "${entry.name}" is registered (registered: ${registry.names().join(', ')})`;
      issues.push({ path: [...path, 'name'], message });
      return [];
    }
    const parsed = plugin.configSchema.safeParse(entry.config ?? {});
    if (!parsed.success) {
      issues.push(...issuesFromZod(parsed.error, [...path, 'config']));
      // Still counted, so one wrong config does not cascade into "needs a caller" for the plugins after it.
      for (const capability of plugin.provides ?? []) provided.add(capability);
      return [];
    }
    for (const requirement of plugin.requires?.(parsed.data) ?? []) {
      if (provided.has(requirement.capability)) continue;
      const providers = registry.providersOf(requirement.capability);
      issues.push({
        path: [...path, 'config', requirement.field],
        message: `needs ${CAPABILITY_WORDS[requirement.capability]} (${providers.join(', ') || 'none is registered'})`,
      });
    }
    for (const capability of plugin.provides ?? []) provided.add(capability);
    return [{ name: plugin.name, config: parsed.data }];
  });
}

/**
 * The second pass over a file that matched the file schema: every plugin list (the global one,
 * then each route's after it) against the registry and each plugin's own config schema.
 */
export function resolvePlugins(file: GatewayFile, registry: PluginRegistry) {
  const issues: ConfigIssue[] = [];
  const globalProvides = new Set<Capability>();
  const globals = resolveChain(file.plugins, ['plugins'], registry, globalProvides, issues);
  const routes = file.routes.map((route, index) => {
    const provided = new Set(globalProvides);
    const chain = resolveChain(route.plugins, ['routes', index, 'plugins'], registry, provided, issues);
    if (route.service === PLATFORM_SERVICE && !provided.has('caller')) {
      const providers = registry.providersOf('caller').join(', ');
      issues.push({ path: ['routes', index, 'service'], message: `the platform's /v1 API needs ${CAPABILITY_WORDS.caller} (${providers})` });
    }
    return chain;
  });
  return { globals, routes, issues };
}
