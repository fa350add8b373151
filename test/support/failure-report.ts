import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ApiClient } from './api-client.js';

export interface FailureReportOptions {
  /** Where the failure is written (default: stdout, so it shows beside the test's own figures). */
  write?: (text: string) => void;
  /** Lines of `output` to show. Default 20. */
  tailLines?: number;
}

/**
 * The client, reporting every request that fails without an answer (connection refused,
 * closed or reset): the method and path, how long the client had been idle before it, the
 * longest event-loop stall of this process since the previous request, the error and its
 * cause, and the tail of `output` (the server's stdout and stderr). Idle time and stall are
 * what tell a keep-alive race (the server closed an idle connection as this process, stalled,
 * reused it) from a server that went away. The error is rethrown unchanged.
 *
 * @example
 * const client = reportingFailures(plain, () => platform.gateway.output());
 */
export function reportingFailures(client: ApiClient, output: () => string, options: FailureReportOptions = {}): ApiClient {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const stalls = monitorEventLoopDelay({ resolution: 20 });
  stalls.enable();
  let settledAt = Date.now();
  const reporting = Object.create(client) as ApiClient;
  reporting.call = async function callReporting(method, path, body, headers) {
    const idleMs = Date.now() - settledAt;
    const stallMs = stalls.max / 1e6;
    stalls.reset();
    try {
      return await client.call(method, path, body, headers);
    } catch (error) {
      const cause = (error as { cause?: { message?: string; code?: string } }).cause;
      const tail = output().trimEnd().split('\n').slice(-(options.tailLines ?? 20)).join('\n');
      write(
        `request failed: ${method} ${path} after ${idleMs} ms idle, longest event-loop stall before it ${stallMs.toFixed(0)} ms: ` +
          `${(error as Error).message}${cause ? ` (${cause.message ?? ''}${cause.code ? ` ${cause.code}` : ''})` : ''}\n` +
          `server output, last lines:\n${tail}\n`,
      );
      throw error;
    } finally {
      settledAt = Date.now();
    }
  };
  return reporting;
}
