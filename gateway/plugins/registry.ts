import type { Capability, GatewayPlugin } from './plugin.js';

/** A plugin name as YAML writes it: lower-case words joined by dashes. */
export const PLUGIN_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The plugins a config may name, by name. Immutable: adding plugins (an operator's modules)
 * gives a new registry, so a reload that fails leaves the running one as it was.
 *
 * @example const registry = builtinRegistry().with([await importPluginModule('/etc/hookgate/geo-block.js')]);
 */
export class PluginRegistry {
  readonly #plugins: ReadonlyMap<string, GatewayPlugin>;

  constructor(plugins: Iterable<GatewayPlugin>) {
    const byName = new Map<string, GatewayPlugin>();
    for (const plugin of plugins) {
      if (!PLUGIN_NAME.test(plugin.name)) throw new Error(`"${plugin.name}" is not a plugin name (lower-case words joined by dashes)`);
      if (byName.has(plugin.name)) throw new Error(`a plugin named "${plugin.name}" is already registered`);
      byName.set(plugin.name, plugin);
    }
    this.#plugins = byName;
  }

  get(name: string): GatewayPlugin | undefined {
    return this.#plugins.get(name);
  }

  names(): string[] {
    return [...this.#plugins.keys()].sort();
  }

  plugins(): GatewayPlugin[] {
    return [...this.#plugins.values()];
  }

  /** Names of the plugins that establish `capability`, for messages that say what is missing. */
  providersOf(capability: Capability): string[] {
    return this.plugins()
      .filter((plugin) => plugin.provides?.includes(capability))
      .map((plugin) => plugin.name)
      .sort();
  }

  /** A registry with these plugins added; throws when a name is taken. */
  with(plugins: Iterable<GatewayPlugin>): PluginRegistry {
    return new PluginRegistry([...this.#plugins.values(), ...plugins]);
  }
}
