import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { guardedLookup, literalAddressBlockReason } from '../../shared/security/url-guard.js';
import type { WebhookResponse, WebhookSender } from './webhook-sender.js';

export interface UndiciSenderOptions {
  /** TCP (and TLS) connect time-out. */
  connectTimeoutMs: number;
  /** One attempt's total time-out: connect, request, response and its body. */
  timeoutMs: number;
  /** Bytes of response body read at most; the rest is discarded and the connection dropped. */
  maxResponseBytes: number;
  /** Let subscribers be on loopback and private addresses (`HOOKGATE_ALLOW_PRIVATE_URLS`). */
  allowPrivate: boolean;
}

/** What an attempt records of the response body (API.md: the first 1 KiB). */
const RECORDED_BODY_BYTES = 1024;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? (error as NodeJS.ErrnoException).code;
  const message = cause?.message ?? error.message;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Reads at most `limit` bytes, keeping the first KiB; stops reading (and drops the connection) past the limit. */
async function readBounded(body: Readable, limit: number): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (keptBytes < RECORDED_BODY_BYTES) {
      const part = chunk.subarray(0, RECORDED_BODY_BYTES - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    total += chunk.length;
    if (total >= limit) break;
  }
  return Buffer.concat(kept).toString('utf8');
}

/**
 * The webhook sender on undici: pooled keep-alive connections per origin, a DNS lookup that
 * connects only to allowed addresses, connect and total time-outs, no redirects (undici's
 * `request` follows none), and a bound on the response body read.
 *
 * @example
 * const sender = createUndiciSender({ connectTimeoutMs: 5_000, timeoutMs: 15_000, maxResponseBytes: 65_536, allowPrivate: false });
 * const answer = await sender.send({ url, headers, body });
 */
export function createUndiciSender(options: UndiciSenderOptions): WebhookSender {
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs, lookup: guardedLookup(options.allowPrivate) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  return {
    async send({ url, headers, body }) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const failed = (error: string): WebhookResponse => ({ statusCode: null, responseBody: null, durationMs: elapsed(), error });

      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return failed(`not a URL: ${url}`);
      }
      const blocked = literalAddressBlockReason(target.hostname, options.allowPrivate);
      if (blocked !== null) return failed(`Refused to connect: ${blocked}`);

      const signal = AbortSignal.timeout(options.timeoutMs);
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(target, { method: 'POST', headers, body, dispatcher: agent, signal });
      } catch (error) {
        return failed(describe(error));
      }
      const retryAfter = response.headers['retry-after'];
      const answer: WebhookResponse = {
        statusCode: response.statusCode,
        ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
        responseBody: null,
        durationMs: 0,
        error: null,
      };
      try {
        answer.responseBody = await readBounded(response.body, options.maxResponseBytes);
      } catch (error) {
        answer.error = `reading the response body: ${describe(error)}`;
      } finally {
        response.body.destroy();
      }
      answer.durationMs = elapsed();
      return answer;
    },

    async close() {
      await agent.close();
    },
  };
}
