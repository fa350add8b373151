// The adapter lives in shared/ now: the processor paces rate limits in the same Redis.
export { createRedisConnection, type RedisConnection, type RedisConnectionOptions } from '../../../shared/redis/redis-connection.js';
