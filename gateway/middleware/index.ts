/** The gateway's middleware: request ids, access log, metrics, JSON bodies, authorisation of the `/v1` API. */
export * from './http-metrics.js';
export * from './json-body.js';
export * from './request-id.js';
export * from './request-log.js';
export * from './require-caller.js';
