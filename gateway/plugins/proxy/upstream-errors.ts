import { HookgateError } from '../../../shared/errors/index.js';

/** Why a proxied request got no (complete) answer; the label of `hookgate_proxy_upstream_errors_total`. */
export type UpstreamFailure = 'timeout' | 'connect' | 'reset' | 'other';

/** The proxy's own time-outs, told apart from the socket errors Node reports. */
export class UpstreamTimeout extends Error {
  constructor(
    readonly phase: 'connect' | 'response',
    readonly afterMs: number,
  ) {
    super(phase === 'connect' ? `connect timed out after ${afterMs} ms` : `no answer within ${afterMs} ms`);
    this.name = 'UpstreamTimeout';
  }
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Translates a proxy failure into the error the client gets: 504 when the upstream was too slow,
 * 502 when it could not be reached or hung up. A HookgateError raised on the request itself
 * (a body over its limit) passes through unchanged.
 */
export function upstreamError(error: Error, service: string): { error: HookgateError; failure?: UpstreamFailure } {
  if (error instanceof HookgateError) return { error };
  if (error instanceof UpstreamTimeout) {
    const detail = `The service "${service}" did not answer in time (${error.message}).`;
    return { error: new HookgateError('HG_ERR_UPSTREAM_TIMEOUT', detail, { cause: error }), failure: 'timeout' };
  }
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const failure: UpstreamFailure = CONNECT_ERRORS.has(code) ? 'connect' : code === 'ECONNRESET' ? 'reset' : 'other';
  const reason = failure === 'connect' ? 'cannot be reached' : failure === 'reset' ? 'closed the connection' : 'failed';
  const detail = `The service "${service}" ${reason}${code ? ` (${code})` : ''}.`;
  return { error: new HookgateError('HG_ERR_UPSTREAM_UNAVAILABLE', detail, { cause: error }), failure };
}
