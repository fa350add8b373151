/**
 * The embedded adapter of the message broker port: one SQLite file under the data dir
 * (`queue.sqlite`), for the single-process default. Same contract as the RabbitMQ adapter:
 * confirmed publishes, at-least-once consumption, delayed redelivery, dead letters.
 */
export { createEmbeddedBroker, type EmbeddedBrokerOptions } from './embedded-broker.js';
