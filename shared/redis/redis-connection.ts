import { createClient } from 'redis';
import type { Logger } from '../logger.js';
import type { RedisCommands, RedisReply } from './redis-commands.js';

export interface RedisConnectionOptions {
  /** `redis://` or `rediss://` URL (`HOOKGATE_REDIS_URL`). */
  url: string;
  logger: Logger;
  /** Longest wait for one connection attempt; reconnection goes on in the background. */
  connectTimeoutMs?: number;
}

export interface RedisConnection {
  readonly commands: RedisCommands;
  close(): Promise<void>;
}

/**
 * Connects to Redis through node-redis and exposes it as the `RedisCommands` port. The gateway
 * starts even while Redis is down: the connection is retried in the background (up to every 2 s)
 * and, because the offline queue is disabled, commands fail at once meanwhile instead of piling
 * up, so rate limits can fail open or closed as each route chose (and the processor's pacer
 * falls back to pacing in its own process).
 *
 * @example const redis = createRedisConnection({ url: config.redisUrl, logger }); // ... await redis.close();
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
  let lastError: string | undefined;
  client.on('error', (error: Error) => {
    // One line per distinct failure, not one per reconnection attempt.
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger.warn({ err: error }, 'redis connection failed; retrying');
  });
  client.on('ready', () => {
    if (lastError !== undefined) options.logger.info('redis connection restored');
    lastError = undefined;
  });
  client.connect().catch((error: unknown) => options.logger.warn({ err: error }, 'redis is not reachable yet'));
  return {
    commands: {
      sendCommand: (...args: string[]) => client.sendCommand<RedisReply>(args),
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
