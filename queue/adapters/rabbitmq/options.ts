import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../../../shared/logger.js';

/** How to reach RabbitMQ and how to retry. Only `url` and `logger` are required. */
export interface RabbitMqBrokerOptions {
  /** `amqp://user:pass@host:5672/vhost`; a `heartbeat` query parameter overrides the default 30 s. */
  url: string;
  logger: Logger;
  /** Names every exchange and queue (`<prefix>.events` ...). Default `hookgate`; tests pass a unique one. */
  prefix?: string;
  /** Messages the broker hands a consumer ahead; default (and minimum) the consumer's concurrency. */
  prefetch?: number;
  /** A message that failed this many deliveries is dead-lettered. Default 10. */
  maxDeliveries?: number;
  /** Delay before redelivering a message whose `deliveryCount`-th delivery failed. Default 1 s doubling, capped at 60 s. */
  redeliveryBackoffMs?: (deliveryCount: number) => number;
  /** Delay before the `attempt`-th reconnect. Default 1 s doubling, capped at 30 s. */
  reconnectBackoffMs?: (attempt: number) => number;
  /** The client-provided connection name the broker shows. Default `<prefix>-<host>-<pid>-<random>`. */
  connectionName?: string;
  /** How long a publish waits for the broker's confirm. Default 10 s. */
  publishTimeoutMs?: number;
  /** How long `close()` and `Consumer.stop()` wait for handlers in hand. Default 20 s. */
  stopTimeoutMs?: number;
  /** TCP connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
}

export type ResolvedOptions = Required<Omit<RabbitMqBrokerOptions, 'prefetch'>> & { prefetch: number | undefined };

export function resolveOptions(options: RabbitMqBrokerOptions): ResolvedOptions {
  const prefix = options.prefix ?? 'hookgate';
  return {
    url: options.url,
    logger: options.logger,
    prefix,
    prefetch: options.prefetch,
    maxDeliveries: Math.max(1, options.maxDeliveries ?? 10),
    redeliveryBackoffMs: options.redeliveryBackoffMs ?? ((count) => Math.min(1_000 * 2 ** (count - 1), 60_000)),
    reconnectBackoffMs: options.reconnectBackoffMs ?? ((attempt) => Math.min(1_000 * 2 ** (attempt - 1), 30_000)),
    connectionName: options.connectionName ?? `${prefix}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
    stopTimeoutMs: options.stopTimeoutMs ?? 20_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
  };
}
