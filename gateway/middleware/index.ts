/** The gateway's middleware: request ids, access log, metrics, JSON bodies, authentication, rate limit. */
export * from './authenticate.js';
export * from './http-metrics.js';
export * from './json-body.js';
export * from './rate-limit.js';
export * from './request-id.js';
export * from './request-log.js';
