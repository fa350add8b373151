import type { Channel } from 'amqplib';
import { QUEUE_NAMES, type QueueName } from '../../messages.js';

/** Where a message is sent: an exchange (`''` is the default exchange) and a routing key. */
export interface Route {
  exchange: string;
  routingKey: string;
  /** A notice that no queue takes is fine (nobody listens now); any other unroutable message fails its publish. */
  broadcast?: boolean;
}

/** The names one prefix owns on the broker, for one logical queue. */
export interface QueueTopology {
  /** The quorum queue consumers read. */
  main: string;
  /** The quorum queue that holds dead letters, read by `deadLetters`. */
  dead: string;
  /** Where a fresh publish goes: the queue's exchange, or the default exchange for `deliveries`. */
  exchange: string;
  /** `<prefix>.<queue>.wait.<bucketMs>`: the classic wait queue for delays up to `bucketMs`. */
  waitQueue(bucketMs: number): string;
}

/**
 * Delayed messages wait in one classic queue per power-of-two bucket of seconds: 1 s, 2 s,
 * 4 s ... 2^16 s (about 18 h). Each message also carries its exact delay as a per-message
 * TTL. A classic queue dead-letters expired messages from its head only, so a message leaves
 * no sooner than its own delay and at most one bucket width late (when a longer-delayed
 * message published earlier sits in front of it): exact delays under light traffic, a bounded
 * set of at most 17 wait queues per logical queue under any mix of delays.
 */
export const MIN_WAIT_BUCKET_MS = 1_000;
export const MAX_WAIT_BUCKET_MS = 2 ** 16 * 1_000;

/**
 * A wait queue lives this long past its bucket when nobody declares it. The publisher
 * re-declares a wait queue at least every `WAIT_QUEUE_REDECLARE_MS`, which renews the lease;
 * every message leaves within one bucket of being published, so no queue expires with
 * messages in it. Publishing alone does not renew the lease, hence the re-declare.
 */
export const WAIT_QUEUE_EXPIRY_MARGIN_MS = 10 * 60_000;
export const WAIT_QUEUE_REDECLARE_MS = 60_000;

/** The smallest bucket that holds `delayMs` (capped at the largest bucket). */
export function waitBucketMs(delayMs: number): number {
  let bucket = MIN_WAIT_BUCKET_MS;
  while (bucket < delayMs && bucket < MAX_WAIT_BUCKET_MS) bucket *= 2;
  return bucket;
}

/** Every bucket, smallest first: what a cleanup deletes to leave nothing behind. */
export function allWaitBucketsMs(): number[] {
  const buckets: number[] = [];
  for (let bucket = MIN_WAIT_BUCKET_MS; bucket <= MAX_WAIT_BUCKET_MS; bucket *= 2) buckets.push(bucket);
  return buckets;
}

/** The names used on the broker for `prefix`. */
export interface BrokerNames {
  prefix: string;
  /**
   * Durable topic exchanges `<prefix>.events` (routing key = event type) and `<prefix>.results`
   * (routing key = result kind), and the fanout exchange `<prefix>.notices` that every listening
   * process binds a queue of its own to.
   */
  exchanges: { events: string; results: string; notices: string };
  queues: Record<QueueName, QueueTopology>;
}

/**
 * The topology names for a prefix.
 *
 * @example
 * brokerNames('hookgate').queues.deliveries.waitQueue(4000) // 'hookgate.deliveries.wait.4000'
 */
export function brokerNames(prefix: string): BrokerNames {
  const exchanges = { events: `${prefix}.events`, results: `${prefix}.results`, notices: `${prefix}.notices` };
  const queue = (name: QueueName, exchange: string): QueueTopology => ({
    main: `${prefix}.${name}`,
    dead: `${prefix}.${name}.dead`,
    exchange,
    waitQueue: (bucketMs) => `${prefix}.${name}.wait.${bucketMs}`,
  });
  return {
    prefix,
    exchanges,
    queues: {
      events: queue('events', exchanges.events),
      results: queue('results', exchanges.results),
      deliveries: queue('deliveries', ''),
      merges: queue('merges', ''),
    },
  };
}

/** Every queue name a prefix may have created, wait queues included. */
export function allQueueNames(names: BrokerNames): string[] {
  return QUEUE_NAMES.flatMap((name) => {
    const topology = names.queues[name];
    return [topology.main, topology.dead, ...allWaitBucketsMs().map((bucket) => topology.waitQueue(bucket))];
  });
}

const QUORUM = { durable: true, arguments: { 'x-queue-type': 'quorum' } } as const;

/**
 * Declares the exchanges, the quorum main and dead queues and their bindings. Idempotent: run
 * on every (re)connect. Wait queues are declared on first use by the publisher.
 */
export async function declareTopology(channel: Channel, names: BrokerNames): Promise<void> {
  await channel.assertExchange(names.exchanges.events, 'topic', { durable: true });
  await channel.assertExchange(names.exchanges.results, 'topic', { durable: true });
  await channel.assertExchange(names.exchanges.notices, 'fanout', { durable: true });
  for (const name of QUEUE_NAMES) {
    const topology = names.queues[name];
    await channel.assertQueue(topology.main, QUORUM);
    await channel.assertQueue(topology.dead, QUORUM);
    if (topology.exchange !== '') await channel.bindQueue(topology.main, topology.exchange, '#');
  }
}

/**
 * A wait queue's arguments. Expired messages go back through the default exchange straight to
 * the main queue, not through the topic exchange, so a retry never reaches the queues that
 * other parties bound to our exchanges.
 */
export function waitQueueArguments(topology: QueueTopology, bucketMs: number): Record<string, unknown> {
  return {
    'x-queue-type': 'classic',
    'x-message-ttl': bucketMs,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': topology.main,
    'x-expires': bucketMs + WAIT_QUEUE_EXPIRY_MARGIN_MS,
  };
}
