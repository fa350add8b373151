/** Route declarations (`defineRoute`) and how they are served (`mountRoutes`). */
export * from './mount-routes.js';
export * from './route-spec.js';
export * from './validation.js';
