import { z } from 'zod';
import { refusingProtoKey } from './common-schemas.js';

/**
 * A subscription's static `headers`, checked when they are saved: a name or value the webhook
 * sender (undici) refuses fails every attempt of every delivery, so it is a 422 now rather
 * than a dead delivery later.
 */

/**
 * Header names a subscription may not set, each for a reason:
 * - undici refuses them outright or owns them (`node_modules/undici/lib/core/request.js`
 *   `processHeader`: expect, upgrade, connection, keep-alive, transfer-encoding, host,
 *   content-length);
 * - hop-by-hop, meaningless on a one-shot POST (te, trailer, proxy-*, http2-settings);
 * - hookgate sets them on every delivery (content-type, user-agent, traceparent; webhook-* by
 *   prefix below), and content-encoding would mislabel the body it sends.
 */
const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'expect',
  'host',
  'http2-settings',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'traceparent',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
]);
const RESERVED_PREFIX = 'webhook-';

/** RFC 9110 §5.1: a field name is a token (tchar), kept to 100 characters. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/**
 * RFC 9110 §5.5 field-value: field-vchar (VCHAR or obs-text, U+0021-U+007E and U+0080-U+00FF),
 * with SP or HTAB allowed only between them; so no control character (CR, LF, NUL, DEL...),
 * no leading or trailing whitespace, nothing beyond Latin-1 (a header is bytes). Empty is
 * allowed. Anchored with one starred class, so a failing value costs linear time.
 */
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\x20\t\x21-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

const MAX_HEADER_VALUE_LENGTH = 4096;
const MAX_HEADERS = 20;

const NAME_MESSAGE = 'is not a valid header name (an RFC 9110 token of at most 100 characters)';
const VALUE_MESSAGE = 'must be visible characters (Latin-1), with spaces or tabs only between them: no control characters or line breaks';

/** Why a header name is not one a subscription may set, or null when it may. */
function reservedNameError(name: string): string | null {
  const lower = name.toLowerCase();
  if (RESERVED_HEADER_NAMES.has(lower) || lower.startsWith(RESERVED_PREFIX)) {
    return 'is set by hookgate or its HTTP client (hop-by-hop, content, expect, upgrade, traceparent or webhook-* header)';
  }
  return null;
}

// The patterns are in the schemas themselves (not only in a refinement) so the OpenAPI document shows them.
const headerName = z
  .string()
  .regex(FIELD_NAME, NAME_MESSAGE)
  .superRefine((name, ctx) => {
    const error = reservedNameError(name);
    if (error !== null) ctx.addIssue({ code: 'custom', message: error });
  });

const headerValue = z.string().max(MAX_HEADER_VALUE_LENGTH).regex(FIELD_VALUE, VALUE_MESSAGE);

/** The `headers` field of a subscription. */
export function headersField() {
  return refusingProtoKey(
    z.record(headerName, headerValue).refine((headers) => Object.keys(headers).length <= MAX_HEADERS, `at most ${MAX_HEADERS} headers`),
  ).meta({
    description:
      'Extra static headers sent with every delivery: RFC 9110 names and values (visible Latin-1 characters, inner spaces and tabs). ' +
      "Hop-by-hop, content-type, content-length, content-encoding, expect, upgrade, host, user-agent, traceparent and webhook-* headers are hookgate's own.",
  });
}
