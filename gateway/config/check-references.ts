import type { ConfigIssue } from './issues.js';
import { PLATFORM_SERVICE } from './platform-route.js';
import type { GatewayFile } from './schema.js';

/**
 * What the file schema cannot see alone: route names are unique, every route's service exists
 * (`hookgate`, the platform's own API, always does), and no declared service takes that name.
 */
export function checkReferences(file: GatewayFile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const services = Object.keys(file.services);
  if (services.includes(PLATFORM_SERVICE)) {
    issues.push({ path: ['services', PLATFORM_SERVICE], message: `"${PLATFORM_SERVICE}" is reserved: routes name it to reach the platform's own /v1 API` });
  }
  const firstByName = new Map<string, number>();
  file.routes.forEach((route, index) => {
    const first = firstByName.get(route.name);
    if (first === undefined) firstByName.set(route.name, index);
    else issues.push({ path: ['routes', index, 'name'], message: `routes[${first}] is already named "${route.name}"` });
    if (route.service !== undefined && route.service !== PLATFORM_SERVICE && !services.includes(route.service)) {
      const known = services.length > 0 ? `services: ${services.join(', ')}` : 'no services are declared';
      issues.push({ path: ['routes', index, 'service'], message: `no service named "${route.service}" (${known})` });
    }
  });
  return issues;
}
