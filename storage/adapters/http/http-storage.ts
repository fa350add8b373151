import { Agent, request } from 'undici';
import { errorFromCode, UnavailableError, type ErrorCode, type HookgateError } from '../../../shared/errors/index.js';
import { errorCatalogue } from '../../../shared/errors/catalogue.js';
import type { Storage } from '../../ports/index.js';
import { STORAGE_METHODS, type Aggregate } from '../../service/storage-methods.js';
import { decodeWire, encodeWire } from '../../service/wire-codec.js';

export interface HttpStorageOptions {
  /** The storage service's base URL (`HOOKGATE_STORAGE_URL`). */
  url: string;
  /** Bearer token between tiers (shared/security/internal-token.ts). */
  internalToken: string;
  /** One call's time-out. */
  timeoutMs?: number;
  connections?: number;
}

function errorFromProblem(status: number, body: unknown): HookgateError {
  const problem = (body ?? {}) as { code?: string; detail?: string; errors?: { path: string; message: string }[] };
  const code = problem.code && problem.code in errorCatalogue ? (problem.code as ErrorCode) : undefined;
  if (code) return errorFromCode(code, problem.detail, problem.errors);
  return new UnavailableError(`The storage service answered ${status}.`);
}

/**
 * The Storage port over the storage service's internal HTTP API: what the gateway and the
 * processor use in distributed mode. Errors come back as the same coded HookgateErrors the
 * service's adapter raised; an unreachable service is an UnavailableError.
 */
export function createHttpStorage(options: HttpStorageOptions): Storage {
  // A pool of keep-alive connections, one call at a time on each (no pipelining: a slow call
  // must not hold up the ones behind it). An idle connection is dropped 2 s before the time-out
  // the service announces in its Keep-Alive header (65 s, shared/http/http-server.ts), so the
  // service never closes one under a call; `keepAliveTimeout` applies only to a server that
  // announces none and must stay below its idle time-out.
  const agent = new Agent({ connections: options.connections ?? 32, keepAliveTimeout: 30_000 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = options.url.replace(/\/+$/, '');

  async function call(aggregate: Aggregate, method: string, args: unknown[]): Promise<unknown> {
    let response;
    try {
      response = await request(`${base}/internal/storage/${aggregate}/${method}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${options.internalToken}`, 'content-type': 'application/json' },
        body: encodeWire({ args }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (error) {
      throw new UnavailableError(`The storage service at ${base} cannot be reached.`, error);
    }
    const text = await response.body.text();
    const body = text === '' ? undefined : decodeWire(text);
    if (response.statusCode !== 200) throw errorFromProblem(response.statusCode, body);
    return (body as { result?: unknown } | undefined)?.result;
  }

  function port<A extends Aggregate>(aggregate: A): Storage[A] {
    return Object.fromEntries(
      STORAGE_METHODS[aggregate].map((method) => [method, (...args: unknown[]) => call(aggregate, method, args)]),
    ) as unknown as Storage[A];
  }

  return {
    apps: port('apps'),
    apiKeys: port('apiKeys'),
    subscriptions: port('subscriptions'),
    events: port('events'),
    deliveries: port('deliveries'),
    async start() {
      // Nothing to open: the service runs the migrations of the database it owns.
    },
    async ping() {
      try {
        const response = await request(`${base}/readyz`, { dispatcher: agent, headersTimeout: 2_000, bodyTimeout: 2_000 });
        await response.body.dump();
        return response.statusCode === 200;
      } catch {
        return false;
      }
    },
    async close() {
      await agent.close();
    },
  };
}
