/** How failed attempts are retried (`HOOKGATE_RETRY_SCHEDULE`, `HOOKGATE_RETRY_JITTER`). */
export interface RetryPolicy {
  /** Delay before attempt n+1 after attempt n failed, at index n-1; its length is the number of retries. */
  scheduleMs: readonly number[];
  /** Each delay is spread by up to ± this fraction, so retries of many deliveries do not arrive together. */
  jitter: number;
}

/** A receiver's Retry-After is honoured up to this long. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * The wait before the attempt after `attempt` failed, or null when the schedule is spent and
 * the delivery is dead. A receiver's Retry-After, when longer, wins: it said when it can take more.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number | null {
  const base = policy.scheduleMs[attempt - 1];
  if (base === undefined) return null;
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/** A Retry-After header (delay-seconds or an HTTP date) as milliseconds from `now`, or undefined when unreadable. */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}
