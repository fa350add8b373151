import type { Request, Response } from 'express';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * A copy of a body as it streams past, up to a bound: the chunks themselves are kept (no copy,
 * and nothing is held back from the stream), until the bound is passed, when they are dropped.
 */
export class BodyTap {
  #chunks: Buffer[] = [];
  #size = 0;
  /** The body went past the bound; what was kept is gone. */
  overflowed = false;
  /** The whole body went past (its end was seen). */
  complete = false;

  constructor(readonly maxBytes: number) {}

  add(chunk: unknown, encoding?: BufferEncoding): void {
    if (this.overflowed) return;
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : chunk instanceof Uint8Array ? chunk : undefined;
    if (buffer === undefined) return;
    if (this.#size + buffer.length > this.maxBytes) {
      this.overflowed = true;
      this.#chunks = [];
      return;
    }
    this.#chunks.push(Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    this.#size += buffer.length;
  }

  /** The whole body when it was seen to its end within the bound; undefined otherwise. */
  bytes(): Buffer | undefined {
    return this.complete && !this.overflowed ? Buffer.concat(this.#chunks, this.#size) : undefined;
  }
}

/**
 * Watches the request body as whoever reads it (the proxy) reads it. Listening on a paused
 * stream does not start it (see body-limit), so nothing flows before the proxy pipes it. A body
 * someone read before this plugin ran is not seen: `bytes()` stays undefined.
 */
export function tapRequestBody(req: Request, maxBytes: number): BodyTap {
  const tap = new BodyTap(maxBytes);
  if (req.readableEnded) return tap;
  req.pause();
  req.on('data', (chunk: Buffer) => tap.add(chunk));
  req.once('end', () => (tap.complete = true));
  return tap;
}

type Write = Response['write'];
type End = Response['end'];

/**
 * Watches the response body as it is written to the client (the proxy pipes the upstream's
 * answer through `res.write`/`res.end`), without holding any of it back. A response cut off
 * before `end` (the upstream died mid-answer, the client went away) is not complete.
 */
export function tapResponseBody(res: Response, maxBytes: number): BodyTap {
  const tap = new BodyTap(maxBytes);
  const write = res.write;
  const end = res.end;
  res.write = function tapWrite(this: Response, chunk: unknown, ...rest: unknown[]) {
    tap.add(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Write;
  res.end = function tapEnd(this: Response, ...args: unknown[]) {
    if (args.length > 0 && typeof args[0] !== 'function') tap.add(args[0], typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined);
    tap.complete = true;
    return (end as (...args: unknown[]) => Response).apply(this, args);
  } as End;
  return tap;
}

const TEXT_TYPES = /^(text\/|application\/(x-www-form-urlencoded|xml|javascript|x-ndjson)$|[^/]+\/[^;]+\+xml$)/;
const JSON_TYPES = /^(application\/json|[^/]+\/[^;]+\+json)$/;

/** Undoes a `Content-Encoding`, never producing more than `maxBytes`; undefined when it cannot. */
function decoded(bytes: Buffer, encoding: string | undefined, maxBytes: number): Buffer | undefined {
  const options = { maxOutputLength: maxBytes };
  try {
    switch ((encoding ?? 'identity').trim().toLowerCase()) {
      case 'identity':
      case '':
        return bytes;
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(bytes, options);
      case 'deflate':
        return inflateSync(bytes, options);
      case 'br':
        return brotliDecompressSync(bytes, options);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/**
 * What an expression sees as a body: parsed JSON for a JSON media type (or none, when the text
 * parses), the text for a textual type or unparsable JSON, and null for an empty, binary,
 * oversized or incomplete body.
 */
export function bodyValue(bytes: Buffer | undefined, headers: { contentType?: string; contentEncoding?: string }, maxBytes: number): unknown {
  if (bytes === undefined || bytes.length === 0) return null;
  const plain = decoded(bytes, headers.contentEncoding, maxBytes);
  if (plain === undefined || plain.length === 0) return null;
  const mediaType = (headers.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const isJson = JSON_TYPES.test(mediaType);
  if (!isJson && mediaType !== '' && !TEXT_TYPES.test(mediaType)) return null;
  const text = plain.toString('utf8');
  if (!isJson && mediaType !== '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
