import type { ConfigIssue } from './issues.js';
import type { GatewayFile } from './schema.js';

/** What the file schema cannot see alone: route names are unique and every route's service exists. */
export function checkReferences(file: GatewayFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const services = Object.keys(file.services);
  const firstByName = new Map<string, number>();
  file.routes.forEach((route, index) => {
    const first = firstByName.get(route.name);
    if (first === undefined) firstByName.set(route.name, index);
    else issues.push({ path: ['routes', index, 'name'], message: `routes[${first}] is already named "${route.name}"` });
    if (route.service !== undefined && !services.includes(route.service)) {
      const known = services.length > 0 ? `services: ${services.join(', ')}` : 'no services are declared';
      issues.push({ path: ['routes', index, 'service'], message: `no service named "${route.service}" (${known})` });
    }
  });
  return issues;
}
