/** A reply as Redis sends it to a raw command. */
export type RedisReply = boolean | number | string | (boolean | number | string)[];

/**
 * The port gateway plugins and the processor use to reach Redis: raw commands only, so no
 * client library's type leaks into a plugin or the pacer. `sendCommand` rejects at once while Redis is unreachable (no offline queue), so a
 * caller can decide to fail open or closed instead of waiting.
 */
export interface RedisCommands {
  sendCommand(...args: string[]): Promise<RedisReply>;
}
