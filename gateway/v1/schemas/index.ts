/** The zod schemas of the /v1 API: they validate requests and generate the OpenAPI document. */
export * from './app-schemas.js';
export * from './common-schemas.js';
export * from './delivery-schemas.js';
export * from './event-schemas.js';
export * from './subscription-schemas.js';
