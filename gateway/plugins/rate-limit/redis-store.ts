import type { IncrementResponse } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { UnavailableError } from '../../../shared/errors/index.js';
import type { RedisCommands } from '../ports/redis-commands.js';

/**
 * rate-limit-redis's store (one Lua script: increment and expiry together, so replicas count
 * atomically), made to survive Redis being away: RedisStore keeps the promise of its script
 * load, and a load that failed while Redis was down would fail every later call; this loads it
 * again. Its failures become `UnavailableError`, which a fail-closed route answers as 503.
 */
export class SharedRedisStore extends RedisStore {
  #scriptLoadFailed = false;

  constructor(redis: RedisCommands, prefix: string) {
    super({ sendCommand: (...args: string[]) => redis.sendCommand(...args), prefix });
  }

  override async increment(key: string): Promise<IncrementResponse> {
    if (this.#scriptLoadFailed) {
      this.#scriptLoadFailed = false;
      this.incrementScriptSha = this.loadIncrementScript();
    }
    try {
      return await super.increment(key);
    } catch (error) {
      this.#scriptLoadFailed = await this.incrementScriptSha.then(
        () => false,
        () => true,
      );
      throw new UnavailableError('The shared rate-limit store (Redis) is unreachable.', error);
    }
  }
}
