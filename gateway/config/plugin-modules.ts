import { dirname, resolve } from 'node:path';
import { importPluginModule } from '../plugins/module-plugin.js';
import type { GatewayPlugin } from '../plugins/plugin.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { ConfigIssue } from './issues.js';
import type { GatewayFile } from './schema.js';

/** The registry with the file's `pluginModules` added: each imported, checked, and named as the file says. */
export async function withPluginModules(
  registry: PluginRegistry,
  file: string,
  modules: GatewayFile['pluginModules'],
): Promise<{ registry: PluginRegistry; issues: ConfigIssue[] }> {
  const issues: ConfigIssue[] = [];
  const added: GatewayPlugin[] = [];
  for (const [index, entry] of modules.entries()) {
    const path = resolve(dirname(file), entry.module);
    let plugin: GatewayPlugin;
    try {
      plugin = await importPluginModule(path);
    } catch (error) {
      issues.push({ path: ['pluginModules', index, 'module'], message: `${entry.module} ${(error as Error).message}` });
      continue;
    }
    if (plugin.name !== entry.name) {
      issues.push({ path: ['pluginModules', index, 'name'], message: `${entry.module} exports a plugin named "${plugin.name}"` });
    } else if (registry.get(entry.name) !== undefined || added.some((other) => other.name === entry.name)) {
      issues.push({ path: ['pluginModules', index, 'name'], message: `a plugin named "${entry.name}" is already registered` });
    } else {
      added.push(plugin);
    }
  }
  return { registry: registry.with(added), issues };
}
