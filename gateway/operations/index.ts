/** The unversioned operational routes: health, readiness, metrics, the OpenAPI document. */
export * from './operations-routes.js';
export * from './readiness.js';
