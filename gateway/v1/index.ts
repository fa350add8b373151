import type { AnyRouteSpec } from '../routing/index.js';
import { appRoutes } from './app-routes.js';
import { deliveryRoutes } from './delivery-routes.js';
import { eventRoutes } from './event-routes.js';
import { keyRoutes } from './key-routes.js';
import { subscriptionRoutes } from './subscription-routes.js';
import type { V1Dependencies } from './v1-dependencies.js';

export { createTenantResolver, type TenantResolver } from './tenant.js';
export type { V1Dependencies } from './v1-dependencies.js';

/** Every route of the /v1 API (API.md), in the order the OpenAPI document lists them. */
export function v1Routes(dependencies: V1Dependencies): AnyRouteSpec[] {
  return [
    ...appRoutes(dependencies),
    ...keyRoutes(dependencies),
    ...subscriptionRoutes(dependencies),
    ...eventRoutes(dependencies),
    ...deliveryRoutes(dependencies),
  ];
}
