/** What the /v1 routes do beyond a store call: publishing events, retries, replays, secrets. */
export * from './delivery-retry.js';
export * from './event-publisher.js';
export * from './subscription-replay.js';
export * from './subscription-secrets.js';
export * from './trace-context.js';
export * from './api-key-cache.js';
