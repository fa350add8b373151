import type { ClientRateLimitInfo, IncrementResponse } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { UnavailableError } from '../../../shared/errors/index.js';
import type { RedisCommands } from '../../../shared/redis/redis-commands.js';

const failed = (load: Promise<string>) =>
  load.then(
    () => false,
    () => true,
  );

/**
 * rate-limit-redis's store (one Lua script: increment and expiry together, so replicas count
 * atomically), made to survive Redis being away: RedisStore keeps the promise of each script
 * load (increment and get), and a load that failed while Redis was down (at start-up, or before
 * the connection was up) would fail every later call; this loads it again first. Its failures
 * become `UnavailableError`, which a fail-closed route answers as 503.
 */
export class SharedRedisStore extends RedisStore {
  constructor(redis: RedisCommands, prefix: string) {
    super({ sendCommand: (...args: string[]) => redis.sendCommand(...args), prefix });
  }

  override async increment(key: string): Promise<IncrementResponse> {
    if (await failed(this.incrementScriptSha)) this.incrementScriptSha = this.loadIncrementScript();
    try {
      return await super.increment(key);
    } catch (error) {
      throw new UnavailableError('The shared rate-limit store (Redis) is unreachable.', error);
    }
  }

  override async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    if (await failed(this.getScriptSha)) this.getScriptSha = this.loadGetScript();
    try {
      return await super.get(key);
    } catch (error) {
      throw new UnavailableError('The shared rate-limit store (Redis) is unreachable.', error);
    }
  }
}
