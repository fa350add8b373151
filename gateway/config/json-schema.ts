import { z } from 'zod';
import { builtinRegistry } from '../plugins/builtins.js';
import type { GatewayPlugin } from '../plugins/plugin.js';
import { PLUGIN_NAME, type PluginRegistry } from '../plugins/registry.js';
import { gatewayFileSchema } from './schema.js';

/** One entry per plugin: its name, and its own config schema (optional when the plugin has defaults for everything). */
function pluginEntryFor(plugin: GatewayPlugin) {
  const config = plugin.configSchema.safeParse({}).success ? plugin.configSchema.optional() : plugin.configSchema;
  return z.strictObject({ name: z.literal(plugin.name), config });
}

/**
 * The JSON Schema (draft 2020-12) of the gateway config file, generated from the same zod
 * schemas that load it, with each registered plugin's config schema in its entries (editors
 * then check plugin configs too). A name that is none of those is left open, for plugins that
 * operators load from modules. `gateway/config/gateway-config.schema.json` is this for the built-ins.
 *
 * @example writeFileSync('gateway-config.schema.json', JSON.stringify(gatewayConfigJsonSchema(), null, 2) + '\n')
 */
export function gatewayConfigJsonSchema(registry: PluginRegistry = builtinRegistry()): Record<string, unknown> {
  const known = registry.plugins().map(pluginEntryFor);
  const moduleEntry = z.strictObject({
    name: z.string().regex(PLUGIN_NAME).meta({ not: { enum: registry.names() } }),
    config: z.record(z.string(), z.unknown()).optional(),
  });
  // An id makes the generator write the entry once under $defs and refer to it from both plugin lists.
  const entry = z.union([...known, moduleEntry]).meta({ id: 'plugin' });
  const schema = gatewayFileSchema(entry).meta({
    title: 'hookgate gateway config',
    description: 'Services, global plugins and routes of the hookgate gateway (hookgate.yaml). See docs/gateway-config.md.',
  });
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
