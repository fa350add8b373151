import type { RequestHandler } from 'express';
import type { z } from 'zod';
import type { EventOutbox } from '../outbox/event-outbox.js';
import type { MessageBroker } from '../../queue/ports/message-broker.js';
import type { Logger } from '../../shared/logger.js';
import type { HookgateMetrics } from '../../shared/metrics.js';
import type { KeyHasher } from '../../shared/security/key-hash.js';
import type { Storage } from '../../storage/ports/index.js';
import type { RedisCommands } from '../../shared/redis/redis-commands.js';
import type { AuthFailureLimiter } from './rate-limit/auth-failure-limiter.js';

/**
 * What a plugin establishes on a request for the plugins after it. `caller`: the request state
 * names the authenticated app (`requestState(res).caller`).
 */
export type Capability = 'caller';

/** A capability that one configuration of a plugin needs from an earlier plugin, and the config field that asks for it. */
export interface Requirement {
  capability: Capability;
  field: string;
}

/** What every plugin instance is built with. Ports are interfaces: no driver type reaches a plugin. */
export interface PluginContext {
  logger: Logger;
  metrics: HookgateMetrics;
  /** The route this instance serves; undefined for a global plugin, whose one instance serves every route. */
  route: string | undefined;
  storage?: Storage;
  broker?: MessageBroker;
  /** The shared store for counters that several gateway replicas must agree on (`HOOKGATE_REDIS_URL`). */
  redis?: RedisCommands;
  /** The process's durable event outbox (one per process, kept across reloads), which `emit-event` writes to. */
  outbox?: EventOutbox;
  /** Hashes an API key as storage keeps it (HMAC-SHA-256 under the server secret). */
  keyHasher?: KeyHasher;
  /** Verifies the operator's token in constant time. */
  isAdminToken?: (token: string) => boolean;
  /** The platform's own `/v1` API, which a route with `service: hookgate` ends in instead of a proxy. */
  platformApi?: RequestHandler;
  /** The process's one budget of failed authentications per client address, which key-auth and jwt spend. */
  authFailures?: AuthFailureLimiter;
}

/**
 * A gateway plugin: a name that YAML routes use, a zod schema for its `config` (checked when the
 * config file is loaded, never per request), and a factory that turns a parsed config into a
 * named Express middleware. Failures are passed to `next` as HookgateErrors, so the gateway's one
 * problem handler answers them.
 *
 * Methods rather than function properties, so a plugin with a narrower config type still fits
 * the registry's `GatewayPlugin`.
 */
export interface GatewayPlugin<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly configSchema: Schema;
  readonly provides?: readonly Capability[];
  requires?(config: z.output<Schema>): readonly Requirement[];
  /** Throws when the plugin cannot run in this context (e.g. a Redis store without Redis); the loader names the route. */
  create(config: z.output<Schema>, context: PluginContext): RequestHandler;
}

/**
 * Declares a plugin with its config type inferred from its schema.
 *
 * @example
 * export const helloPlugin = definePlugin({
 *   name: 'hello',
 *   configSchema: z.strictObject({ greeting: z.string().default('hi') }),
 *   create: (config) => function sayHello(_req, res) { res.send(config.greeting); },
 * });
 */
export function definePlugin<Schema extends z.ZodType>(plugin: GatewayPlugin<Schema>): GatewayPlugin<Schema> {
  return plugin;
}
