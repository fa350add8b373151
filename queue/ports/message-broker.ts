import type { QueueMessages, QueueName, SubscriptionChangedNotice } from '../messages.js';

export interface PublishOptions {
  /** Deliver no sooner than this many milliseconds from now (retry back-off). */
  delayMs?: number;
  /** Topic routing key; events use their type. */
  routingKey?: string;
}

export interface ReceivedMessage<T> {
  /** The broker's id for this message; stable across redeliveries. */
  readonly id: string;
  readonly body: T;
  /** 1 on first delivery; more when the message was redelivered after a failure or crash. */
  readonly deliveryCount: number;
}

/**
 * Processes one message. Resolving acknowledges it (it is gone for good). Rejecting with an
 * `UnrecoverableError` dead-letters it at once; rejecting with anything else redelivers it
 * after a back-off, and dead-letters it after `maxDeliveries`.
 */
export type MessageHandler<T> = (message: ReceivedMessage<T>) => Promise<void>;

export interface ConsumeOptions {
  /** Messages processed at the same time by this consumer (the prefetch). */
  concurrency: number;
}

export interface Consumer {
  /**
   * True while it is subscribed and can be handed messages: false once stopped and, on
   * RabbitMQ, while its channel is down until the next connection subscribes it again. For
   * readiness checks.
   */
  isConsuming(): boolean;
  /** Stops taking messages and waits for the ones in hand to settle. */
  stop(): Promise<void>;
}

/** A dead-lettered message, for inspection. */
export interface DeadLetter<T> {
  id: string;
  body: T;
  reason: string;
  deadAt: string;
}

/**
 * The message broker port. Adapters: embedded durable queue (SQLite file) and RabbitMQ.
 * Delivery is at least once: a message is redelivered unless its handler resolved.
 */
export interface MessageBroker {
  start(): Promise<void>;
  /**
   * Resolves only once the broker has made the message durable (publisher confirm); rejects
   * with `UnavailableError` when it cannot, so a caller never acknowledges what may be lost.
   */
  publish<Q extends QueueName>(queue: Q, body: QueueMessages[Q], options?: PublishOptions): Promise<void>;
  consume<Q extends QueueName>(queue: Q, handler: MessageHandler<QueueMessages[Q]>, options: ConsumeOptions): Promise<Consumer>;
  /** Messages waiting (ready or delayed) in the queue, for metrics and tests. */
  depth(queue: QueueName): Promise<number>;
  /**
   * Seconds that the oldest message of the queue that is due (not delayed any more) has waited
   * for a consumer; 0 when no due message waits. The embedded queue knows each message's due
   * time and answers exactly; RabbitMQ cannot show a queue's head without taking it, so its
   * adapter estimates (see `adapters/rabbitmq/consumer-lag.ts`) and answers `undefined` when
   * this process cannot tell (messages wait, and only other processes consume them).
   *
   * @example
   * metrics.observeConsumerLag(QUEUE_NAMES, (queue) => broker.consumerLag(queue));
   */
  consumerLag(queue: QueueName): Promise<number | undefined>;
  deadLetters<Q extends QueueName>(queue: Q, limit: number): Promise<DeadLetter<QueueMessages[Q]>[]>;
  /**
   * Sends a notice to every process listening now (each processor). Best effort and not
   * stored: a process that is not listening misses it, and relies on its cache expiring.
   */
  announce(notice: SubscriptionChangedNotice): Promise<void>;
  /** Hands every notice announced from now on, by any process, to `handler`, until stopped. */
  listen(handler: (notice: SubscriptionChangedNotice) => void): Promise<Consumer>;
  /** True when the broker can take messages. */
  ping(): Promise<boolean>;
  /** Stops every consumer (waiting for their messages in hand), then closes connections. */
  close(): Promise<void>;
}
