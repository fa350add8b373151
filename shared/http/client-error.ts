import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HookgateError, toProblem, PROBLEM_CONTENT_TYPE, type ErrorCode } from '../errors/index.js';

/** What Node's HTTP parser (llhttp) and server report, and how each is answered. */
function codeFor(error: NodeJS.ErrnoException): { code: ErrorCode; detail: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HG_ERR_HEADERS_TOO_LARGE', detail: 'The request line and headers exceed 16 KiB together; send a shorter credential or fewer headers.' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'HG_ERR_PAYLOAD_TOO_LARGE', detail: 'The chunk extensions of the body are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'HG_ERR_REQUEST_TIMEOUT', detail: 'The request headers and body did not arrive in time.' };
    default:
      // llhttp's reason ("Invalid header value char") names what is wrong and nothing of the server.
      return { code: 'HG_ERR_BAD_REQUEST', detail: `The request is not valid HTTP/1.1: ${error.message.replace(/^Parse Error: ?/, '') || 'parse error'}.` };
  }
}

/**
 * The raw HTTP/1.1 answer to a request that Node refused before any handler saw it: a complete
 * problem+json message that closes the connection (the parser cannot find where the next request
 * would start). Exported for tests.
 */
export function clientErrorResponse(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): string {
  const { code, detail } = codeFor(error);
  const problem = new HookgateError(code, detail);
  const body = JSON.stringify(toProblem(problem));
  // A HEAD answer has no body (RFC 9110 9.3.2): a client would read the body as a next answer.
  const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  return [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `Date: ${new Date().toUTCString()}`,
    'Connection: close',
    '',
    head ? '' : body,
  ].join('\r\n');
}

/**
 * A `clientError` listener for an HTTP server: where Node would write a bare `431` or `400` with no
 * body, it writes the same status as RFC 9457 problem+json, then ends the connection. As Node's
 * own handler does, it writes nothing when the socket can no longer be written or an answer to an
 * earlier request on it has begun (`answering(socket)`), since bytes added then would corrupt that
 * answer; the socket is destroyed instead.
 *
 * @example server.on('clientError', problemOnClientError((socket) => current.get(socket)?.headersSent === true));
 */
export function problemOnClientError(answering: (socket: Duplex) => boolean): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return function answerClientError(error, socket) {
    if (error.code === 'ECONNRESET' || !socket.writable || answering(socket)) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error));
    drainBeforeClosing(socket);
  };
}

/** How long, and how much, a refused client may go on sending before the connection is cut. */
const LINGER_MS = 2_000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * Reads and discards what the client is still sending (the rest of a large body, say) for a
 * bounded time and byte count: closing a socket with unread input makes the kernel send a reset,
 * which often destroys the answer before the client has read it.
 */
function drainBeforeClosing(socket: Duplex): void {
  let received = 0;
  const cutOff = setTimeout(() => socket.destroy(), LINGER_MS);
  cutOff.unref();
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > LINGER_BYTES) socket.destroy();
  });
  socket.once('close', () => clearTimeout(cutOff));
  socket.resume();
}

/** The answer a server is writing on each connection, so `problemOnClientError` knows whether it may write. */
export class ResponsesInFlight {
  readonly #current = new WeakMap<Duplex, ServerResponse>();

  track(res: ServerResponse): void {
    const socket = res.socket;
    if (socket === null) return;
    this.#current.set(socket, res);
    res.once('finish', () => {
      if (this.#current.get(socket) === res) this.#current.delete(socket);
    });
  }

  /** An answer has started on this connection and is not finished. */
  answering(socket: Duplex): boolean {
    return this.#current.get(socket)?.headersSent === true;
  }
}
