import { match } from 'path-to-regexp';
import safeRegex from 'safe-regex2';
import { z } from 'zod';
import { positiveInt, urlWithScheme } from '../plugins/config-fields.js';
import { PLUGIN_NAME } from '../plugins/registry.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Route and service names: they label metrics and Redis keys, so short and plain. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const name = z.string().regex(NAME, { error: 'must be lower-case letters, digits, - and _ (up to 63)' });

/** Express 5's path syntax (`/orders/:id`, `/files/*rest`); matched as a prefix at a `/` boundary. */
const pathPattern = z.string().superRefine((pattern, ctx) => {
  if (!pattern.startsWith('/')) {
    ctx.addIssue({ code: 'custom', message: 'must start with /' });
    return;
  }
  try {
    match(pattern);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a path pattern: ${(error as Error).message.replace(/: [^;]*; visit .*$/s, '')}` });
  }
});

const hostPattern = z
  .string()
  .regex(/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i, {
    error: 'must be a host name, optionally starting *. (no scheme, no port)',
  });

const rewritePattern = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a regular expression: ${(error as Error).message}` });
    return;
  }
  // Evaluated on every request's path: a pattern that can backtrack exponentially is refused.
  if (!safeRegex(source)) ctx.addIssue({ code: 'custom', message: 'may take exponential time (nested quantifiers); simplify it' });
});

export const serviceSchema = z.strictObject({
  /** The upstream's base URL; its path is prefixed to every proxied path. */
  url: urlWithScheme(['http:', 'https:']),
  connectTimeoutMs: positiveInt(60_000).default(5_000),
  /** Longest the upstream may stay silent once connected (no byte sent or received). */
  timeoutMs: positiveInt(3_600_000).default(60_000),
});

/** A plugin as a list names it; its `config` is checked against the plugin's own schema afterwards. */
export const pluginEntrySchema = z.strictObject({
  name: z.string().regex(PLUGIN_NAME, { error: 'must be a plugin name (lower-case words joined by dashes)' }),
  config: z.record(z.string(), z.unknown()).optional(),
});

export const pluginModuleSchema = z.strictObject({
  /** The name routes use; must equal the name the module's plugin declares. */
  name: z.string().regex(PLUGIN_NAME, { error: 'must be a plugin name (lower-case words joined by dashes)' }),
  /** Path of an ES module exporting the plugin (`default` or `plugin`), relative to this file. */
  module: z.string().min(1),
});

/** The file's schema, built around a plugin-entry schema: the generic one to load, one per plugin for the JSON Schema. */
export function gatewayFileSchema<Entry extends z.ZodType>(pluginEntry: Entry) {
  const route = z.strictObject({
    name,
    /** The service the route proxies to after its plugins; without one the request goes on past the gateway's routes. */
    service: name.optional(),
    /** Methods served; all when absent. `GET` also serves `HEAD`. */
    methods: z.array(z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` })).min(1).optional(),
    paths: z.array(pathPattern).min(1, { error: 'must list at least one path' }),
    /** Host names served (`api.example.com`, `*.example.com`); all when absent. */
    hosts: z.array(hostPattern).min(1).optional(),
    /** Drop the part of the path that the pattern matched before proxying. */
    stripPath: z.boolean().default(false),
    /** Applied to the path after `stripPath`: the first rule whose pattern matches replaces that match. */
    pathRewrite: z.array(z.strictObject({ pattern: rewritePattern, replacement: z.string() })).default([]),
    plugins: z.array(pluginEntry).default([]),
  });
  return z.strictObject({
    services: z.record(name, serviceSchema).default({}),
    /** Global plugins: run first on every route, in this order. */
    plugins: z.array(pluginEntry).default([]),
    /** Tried in this order; the first whose methods, hosts and paths all match serves the request. */
    routes: z.array(route).default([]),
    /** Operators' own plugins, loaded from ES modules. */
    pluginModules: z.array(pluginModuleSchema).default([]),
  });
}

export type GatewayFile = z.output<ReturnType<typeof gatewayFileSchema<typeof pluginEntrySchema>>>;
export type ServiceConfig = z.output<typeof serviceSchema>;
