// The port lives in shared/ now: the processor paces rate limits in the same Redis.
export type { RedisCommands, RedisReply } from '../../../shared/redis/redis-commands.js';
