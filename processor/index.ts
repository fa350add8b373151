/**
 * The processor tier: fan-out of events to matching subscriptions, signed delivery attempts
 * with retries and dead-lettering, and the port through which webhooks leave.
 */
export { createProcessor, type Processor, type ProcessorOptions } from './processor.js';
export type { WebhookRequest, WebhookResponse, WebhookSender } from './sender/webhook-sender.js';
export type { MergeBuffer } from './ports/merge-buffer.js';
export { createSqliteMergeBuffer } from './adapters/sqlite-merge-buffer.js';
export { createMongoMergeBuffer, type MongoMergeBufferOptions } from './adapters/mongodb-merge-buffer.js';
export { createUndiciSender, type UndiciSenderOptions } from './sender/undici-sender.js';
