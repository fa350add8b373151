/**
 * The RabbitMQ adapter of the message broker port (amqplib; RabbitMQ 3.10+, no plugins).
 *
 * Topology for prefix `p` (default `hookgate`), declared idempotently on every (re)connect:
 *
 * | name | kind | role |
 * | --- | --- | --- |
 * | `p.events` | durable topic exchange | fresh events, routing key = event type; others may bind their own queues |
 * | `p.results` | durable topic exchange | results, routing key = result kind; others may bind their own queues |
 * | `p.events`, `p.results`, `p.deliveries` | quorum queues | what consumers read; the first two bound to their exchange with `#`, deliveries published through the default exchange |
 * | `p.<queue>.dead` | quorum queue | dead letters (UnrecoverableError, or `maxDeliveries` reached) |
 * | `p.<queue>.wait.<ms>` | classic queue, declared on first use | delayed messages; `x-message-ttl` = `<ms>`, dead-lettered through the default exchange back to `p.<queue>`, `x-expires` so idle ones vanish |
 *
 * Delays: one wait queue per power-of-two bucket of seconds (1 s ... 2^16 s), each message also
 * carrying its exact delay as its own TTL, so it leaves no sooner than asked and at most one
 * bucket width late; longer delays are parked again on arrival. Retries come back to our queue
 * only, never through the exchanges, so other listeners see a message once.
 *
 * Headers: `x-hookgate-schema` (the schema version), `x-hookgate-delivery-count` (plus the
 * quorum queue's `x-delivery-count`, so a crash-redelivery counts), `x-hookgate-deliver-at`,
 * `x-hookgate-published-at` (ms; with `deliver-at`, when the message became due, for the
 * consumer lag), `x-hookgate-routing-key`, and on dead letters `x-hookgate-dead-reason` /
 * `-dead-at`.
 *
 * Consumer lag is estimated without taking messages: see `consumer-lag.ts`.
 */
export { createRabbitMqBroker } from './rabbitmq-broker.js';
export type { RabbitMqBrokerOptions } from './options.js';
export { brokerNames, allQueueNames, type BrokerNames, type QueueTopology } from './topology.js';
