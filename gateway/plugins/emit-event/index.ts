import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from '../../../shared/logger.js';
import type { EventOutbox } from '../../outbox/event-outbox.js';
import { REQUEST_ID_HEADER } from '../../middleware/request-id.js';
import { requestState } from '../../request-state.js';
import { validTraceparent } from '../../services/trace-context.js';
import { definePlugin } from '../plugin.js';
import { bodyValue, tapRequestBody, tapResponseBody, type BodyTap } from './body-capture.js';
import { emitEventConfigSchema, type EmitEventConfig } from './config.js';
import { emittedEventsCounter } from './emit-metrics.js';
import { bodiesRead, compileEventData, type EventInput } from './event-data.js';

export { emitEventConfigSchema, type EmitEventConfig } from './config.js';

/** A caller's own `X-Request-Id`, used as the key only when no request-id plugin ran and it is a sane token. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Response headers the expression never sees: they carry the client's session. */
const HIDDEN_RESPONSE_HEADERS = new Set(['set-cookie']);

function headerText(value: string | number | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value?.toString();
}

function requestIdOf(req: Request, res: Response): string {
  const assigned = requestState(res).requestId;
  if (assigned !== undefined) return assigned;
  const offered = req.get(REQUEST_ID_HEADER);
  return offered !== undefined && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
}

/** A body as the expression sees it; over the bound it is null, with a warning, since the operator's data will lack it. */
function seenBody(tap: BodyTap | undefined, which: string, headers: { contentType?: string; contentEncoding?: string }, log: Logger): unknown {
  if (tap === undefined) return null;
  if (tap.overflowed) {
    log.warn({ maxBodyBytes: tap.maxBytes }, `emit-event: the ${which} body is larger than maxBodyBytes; the data expression sees it as null`);
    return null;
  }
  return bodyValue(tap.bytes(), headers, tap.maxBytes);
}

function inputOf(req: Request, res: Response, taps: { request?: BodyTap; response?: BodyTap }, requestId: string, log: Logger): EventInput {
  const responseHeaders = Object.fromEntries(Object.entries(res.getHeaders()).filter(([name]) => !HIDDEN_RESPONSE_HEADERS.has(name)));
  return {
    request: {
      method: req.method,
      path: req.originalUrl.split('?')[0]!,
      query: { ...(req.query as Record<string, unknown>) },
      body: seenBody(taps.request, 'request', { contentType: req.get('content-type'), contentEncoding: req.get('content-encoding') }, log),
    },
    response: {
      status: res.statusCode,
      headers: responseHeaders,
      body: seenBody(
        taps.response,
        'response',
        { contentType: headerText(res.getHeader('content-type')), contentEncoding: headerText(res.getHeader('content-encoding')) },
        log,
      ),
    },
    route: requestState(res).route ?? null,
    requestId,
  };
}

/** Longest an answer's last byte waits for its event to be stored in the outbox. */
const APPEND_WAIT_MS = 2_000;

function isSuccess(res: Response): boolean {
  return res.statusCode >= 200 && res.statusCode <= 299;
}

type EndCallback = () => void;

/**
 * Sends a 2xx answer's last chunk at once but ends it only once `beforeEnd` settled (at most
 * APPEND_WAIT_MS): a client that got the whole answer knows its event is in the durable outbox,
 * and a crash before that is a crash before the answer was complete. Other answers end as usual.
 */
function holdEndForSuccess(res: Response, beforeEnd: () => Promise<void>): void {
  const end = res.end;
  res.end = function endAfterEventStored(this: Response, ...args: unknown[]) {
    res.end = end;
    if (!isSuccess(res)) return (end as (...args: unknown[]) => Response).apply(this, args);
    const callback = args.find((arg): arg is EndCallback => typeof arg === 'function');
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const encoding = typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined;
    if (chunk !== undefined && chunk !== null && this.req.method !== 'HEAD') {
      if (!this.headersSent && this.getHeader('content-length') === undefined) this.setHeader('content-length', Buffer.byteLength(chunk as string | Buffer, encoding));
      this.write(chunk, encoding ?? 'utf8');
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, APPEND_WAIT_MS)));
    void Promise.race([beforeEnd(), waited]).finally(() => {
      clearTimeout(timer);
      (end as (callback?: EndCallback) => Response).call(this, callback);
    });
    return this;
  } as Response['end'];
}

function outboxOf(context: { outbox?: EventOutbox }): EventOutbox {
  if (context.outbox === undefined) throw new Error('emit-event needs the gateway\'s event outbox, and this gateway has none');
  return context.outbox;
}

/**
 * Turns a successful call into a webhook event without code: when the route answers 2xx, an
 * event of the configured `type` is written to the gateway's durable outbox for the calling
 * app, its `data` computed by a JSONata expression over `{request, response, route, requestId}`
 * (default `response.body`), its idempotency key `<request id>:<type>` (a retried request with
 * the same `X-Request-Id` makes one event). The outbox relay then publishes it (stored, then
 * confirmed by the broker), later if the broker or the storage is down. Nothing here ever fails
 * the response: a 2xx answer's body goes out as it comes, and only its end waits (at most 2 s)
 * until the event is in the outbox, so an answer the client got whole always has its event; a
 * failure is logged and counted in `hookgate_gateway_emitted_events_total`.
 *
 * Bodies are watched as they stream, never buffered ahead of the client, up to `maxBodyBytes`
 * each (larger: the expression sees null), and only those the expression can read.
 *
 * @example plugins: [{ name: jwt, config: {...} }, { name: emit-event, config: { type: order.created, data: "response.body" } }]
 */
export const emitEventPlugin = definePlugin({
  name: 'emit-event',
  configSchema: emitEventConfigSchema,
  // Events belong to an app: the caller an authenticating plugin established.
  requires: () => [{ capability: 'caller', field: 'type' }],
  create(config: EmitEventConfig, context) {
    const outbox = outboxOf(context);
    const eventData = compileEventData(config.data);
    const reads = bodiesRead(config.data);
    const emitted = emittedEventsCounter(context.metrics.registry);

    async function emit(req: Request, res: Response, taps: { request?: BodyTap; response?: BodyTap }, occurredAt: string): Promise<void> {
      const state = requestState(res);
      const log = state.logger ?? context.logger;
      const route = state.route ?? context.route ?? 'unmatched';
      const caller = state.caller;
      if (caller?.kind !== 'app') {
        emitted.inc({ route, outcome: 'no_app' });
        log.warn({ type: config.type }, 'emit-event: the caller is no app, so no event was made');
        return;
      }
      const requestId = requestIdOf(req, res);
      let data: unknown;
      try {
        data = await eventData(inputOf(req, res, taps, requestId, log));
      } catch (error) {
        emitted.inc({ route, outcome: 'data_failed' });
        log.error({ err: error, type: config.type }, 'emit-event: the data expression failed, so no event was made');
        return;
      }
      const traceparent = validTraceparent(req.get('traceparent'));
      try {
        await outbox.append({
          appId: caller.appId,
          type: config.type,
          data,
          occurredAt,
          idempotencyKey: `${requestId}:${config.type}`,
          ...(traceparent !== undefined ? { traceparent } : {}),
        });
        emitted.inc({ route, outcome: 'queued' });
      } catch (error) {
        emitted.inc({ route, outcome: 'outbox_failed' });
        log.error({ err: error, type: config.type, appId: caller.appId }, 'emit-event: the outbox could not store the event; it is lost');
      }
    }

    return function emitEventOnSuccess(req, res, next) {
      const taps = {
        ...(reads.request ? { request: tapRequestBody(req, config.maxBodyBytes) } : {}),
        ...(reads.response ? { response: tapResponseBody(res, config.maxBodyBytes) } : {}),
      };
      let made = false;
      const emitOnce = async () => {
        if (made) return;
        made = true;
        await emit(req, res, taps, new Date().toISOString());
      };
      holdEndForSuccess(res, () => {
        if (taps.response !== undefined) taps.response.complete = true;
        return emitOnce();
      });
      // No end at all (the client went away mid-answer): the upstream has still acted on a 2xx.
      res.once('close', () => {
        if (res.headersSent && isSuccess(res)) void emitOnce();
      });
      next();
    };
  },
});
