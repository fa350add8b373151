/**
 * Every error hookgate reports over HTTP has one entry here: a stable code, its HTTP status,
 * the problem `type` URI that clients switch on, and a title. Nothing else maps errors to
 * responses; see `problem.ts`.
 */
export const PROBLEM_BASE = 'https://hookgate.dev/problems/';

export const errorCatalogue = {
  HG_ERR_VALIDATION: { status: 422, slug: 'validation', title: 'The request is not valid' },
  HG_ERR_MALFORMED: { status: 400, slug: 'malformed-request', title: 'The request body could not be read' },
  /** Node's HTTP parser refused the request itself (request line, header syntax, framing); answered below Express. */
  HG_ERR_BAD_REQUEST: { status: 400, slug: 'bad-request', title: 'The request is not valid HTTP' },
  HG_ERR_UNAUTHORIZED: { status: 401, slug: 'unauthorized', title: 'Missing or invalid credentials' },
  HG_ERR_FORBIDDEN: { status: 403, slug: 'forbidden', title: 'The credentials do not allow this' },
  HG_ERR_NOT_FOUND: { status: 404, slug: 'not-found', title: 'No such resource' },
  HG_ERR_METHOD_NOT_ALLOWED: { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' },
  /** The headers and body did not arrive within the server's request time-out (slow clients); answered below Express. */
  HG_ERR_REQUEST_TIMEOUT: { status: 408, slug: 'request-timeout', title: 'The request did not arrive in time' },
  HG_ERR_CONFLICT: { status: 409, slug: 'conflict', title: 'The request conflicts with the current state' },
  HG_ERR_PAYLOAD_TOO_LARGE: { status: 413, slug: 'payload-too-large', title: 'The request body is too large' },
  HG_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, slug: 'unsupported-media-type', title: 'Send application/json' },
  HG_ERR_RATE_LIMITED: { status: 429, slug: 'rate-limited', title: 'Too many requests' },
  /** The request line and headers together exceed Node's limit (16 KiB); answered below Express. */
  HG_ERR_HEADERS_TOO_LARGE: { status: 431, slug: 'headers-too-large', title: 'The request headers are too large' },
  HG_ERR_INTERNAL: { status: 500, slug: 'internal', title: 'Internal error' },
  HG_ERR_UPSTREAM_UNAVAILABLE: { status: 502, slug: 'upstream-unavailable', title: 'The upstream service is unavailable' },
  HG_ERR_UNAVAILABLE: { status: 503, slug: 'unavailable', title: 'A dependency is unavailable; retry later' },
  HG_ERR_UPSTREAM_TIMEOUT: { status: 504, slug: 'upstream-timeout', title: 'The upstream service did not answer in time' },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export function problemType(code: ErrorCode): string {
  return PROBLEM_BASE + errorCatalogue[code].slug;
}
