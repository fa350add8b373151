import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { GatewayPlugin } from './plugin.js';
import { PLUGIN_NAME } from './registry.js';

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

/**
 * The shape an operator's plugin module must export (as `default` or as `plugin`). The config
 * schema is recognised by behaviour, not `instanceof`, so a module may bring its own copy of zod 4.
 */
const pluginExportSchema = z.object({
  name: z.string().regex(PLUGIN_NAME, 'must be lower-case words joined by dashes'),
  configSchema: z.custom<z.ZodType>(
    (value) => typeof value === 'object' && value !== null && '_zod' in value && isFunction((value as { safeParse?: unknown }).safeParse),
    'must be a zod 4 schema',
  ),
  provides: z.array(z.literal('caller')).optional(),
  requires: z.custom<NonNullable<GatewayPlugin['requires']>>(isFunction, 'must be a function').optional(),
  create: z.custom<GatewayPlugin['create']>(isFunction, 'must be a function (config, context) => middleware'),
});

/**
 * Imports an operator's plugin module and checks that it exports a plugin. Throws an Error whose
 * message says what is wrong with the export (the loader adds the file and the YAML path).
 * Modules are cached by the runtime, so a reload does not pick up a changed module: restart for that.
 *
 * @example const plugin = await importPluginModule('/etc/hookgate/plugins/geo-block.js');
 */
export async function importPluginModule(absolutePath: string): Promise<GatewayPlugin> {
  let loaded: { default?: unknown; plugin?: unknown };
  try {
    loaded = (await import(pathToFileURL(absolutePath).href)) as typeof loaded;
  } catch (error) {
    throw new Error(`cannot be imported: ${(error as Error).message}`, { cause: error });
  }
  const exported = loaded.plugin ?? loaded.default;
  if (exported === undefined) throw new Error('exports no plugin (export it as `default` or as `plugin`)');
  const parsed = pluginExportSchema.safeParse(exported);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'the export'} ${issue.message}`);
    throw new Error(`does not export a plugin: ${problems.join('; ')}`);
  }
  // The checked object itself, not zod's copy, so the plugin keeps its methods' `this`.
  return exported as GatewayPlugin;
}
