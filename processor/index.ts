/**
 * The processor tier: fan-out of events to matching subscriptions, signed delivery attempts
 * with retries and dead-lettering, and the port through which webhooks leave.
 */
export { createProcessor, type Processor, type ProcessorOptions } from './processor.js';
export type { WebhookRequest, WebhookResponse, WebhookSender } from './sender/webhook-sender.js';
export type { MergeBuffer } from './ports/merge-buffer.js';
export type { RateSlots } from './ports/rate-slots.js';
export { createLocalRateSlots } from './adapters/local-rate-slots.js';
export { createRedisRateSlots, type RedisRateSlotsOptions } from './adapters/redis-rate-slots.js';
export { createSqliteMergeBuffer } from './adapters/sqlite-merge-buffer.js';
export { createMongoMergeBuffer, type MongoMergeBufferOptions } from './adapters/mongodb-merge-buffer.js';
export { createUndiciSender, type UndiciSenderOptions } from './sender/undici-sender.js';
