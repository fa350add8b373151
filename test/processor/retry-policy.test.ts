import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelayMs, type RetryPolicy } from '../../processor/retry-policy.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** The documented default: 5s, 5m, 30m, 2h, 5h, 10h, 10h. */
const DEFAULT_SCHEDULE = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
const exact: RetryPolicy = { scheduleMs: DEFAULT_SCHEDULE, jitter: 0 };
const NOW = Date.parse('2026-11-23T10:00:00Z');

describe('retryDelayMs', () => {
  it('waits the schedule entry of the attempt that failed: attempt n uses entry n-1', () => {
    DEFAULT_SCHEDULE.forEach((delay, index) => {
      expect(retryDelayMs(exact, index + 1)).toBe(delay);
    });
  });

  it('gives up (null) once every retry of the schedule was made', () => {
    expect(retryDelayMs(exact, DEFAULT_SCHEDULE.length + 1)).toBeNull();
    expect(retryDelayMs(exact, DEFAULT_SCHEDULE.length + 5)).toBeNull();
    expect(retryDelayMs({ scheduleMs: [], jitter: 0.2 }, 1)).toBeNull();
    // A receiver's Retry-After does not buy another attempt after the last one.
    expect(retryDelayMs(exact, DEFAULT_SCHEDULE.length + 1, 10 * SECOND)).toBeNull();
  });

  it('spreads each delay by at most ± the jitter fraction', () => {
    const policy: RetryPolicy = { scheduleMs: [10 * SECOND, 5 * MINUTE], jitter: 0.2 };
    expect(retryDelayMs(policy, 1, undefined, () => 0)).toBe(8 * SECOND);
    expect(retryDelayMs(policy, 1, undefined, () => 0.5)).toBe(10 * SECOND);
    expect(retryDelayMs(policy, 1, undefined, () => 0.75)).toBe(11 * SECOND);
    // Math.random() is below 1, so the top is approached, never passed.
    expect(retryDelayMs(policy, 1, undefined, () => 0.999_999)).toBeLessThanOrEqual(12 * SECOND);
    expect(retryDelayMs(policy, 2, undefined, () => 0)).toBe(4 * MINUTE);

    for (let i = 0; i <= 100; i++) {
      const random = i / 100.0001;
      const delay = retryDelayMs(policy, 2, undefined, () => random)!;
      expect(delay).toBeGreaterThanOrEqual(4 * MINUTE);
      expect(delay).toBeLessThanOrEqual(6 * MINUTE);
    }
  });

  it('uses the real random source by default and stays within the bounds', () => {
    const policy: RetryPolicy = { scheduleMs: [1000], jitter: 0.1 };
    const delays = Array.from({ length: 200 }, () => retryDelayMs(policy, 1)!);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(900);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1100);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('waits for a longer Retry-After rather than the schedule', () => {
    expect(retryDelayMs(exact, 1, 60 * SECOND)).toBe(60 * SECOND);
    // Jitter never shortens what the receiver asked for.
    const jittered: RetryPolicy = { scheduleMs: [5 * SECOND], jitter: 0.5 };
    expect(retryDelayMs(jittered, 1, 30 * SECOND, () => 0.999)).toBe(30 * SECOND);
  });

  it('keeps the schedule when Retry-After is shorter', () => {
    expect(retryDelayMs(exact, 2, 10 * SECOND)).toBe(5 * MINUTE);
    expect(retryDelayMs(exact, 1, 0)).toBe(5 * SECOND);
    expect(retryDelayMs(exact, 1, undefined)).toBe(5 * SECOND);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('1', NOW)).toBe(1 * SECOND);
    expect(parseRetryAfter('120', NOW)).toBe(120 * SECOND);
    expect(parseRetryAfter(' 30 ', NOW)).toBe(30 * SECOND);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });

  it('reads an HTTP date as the time from now', () => {
    const inTwoMinutes = new Date(NOW + 2 * MINUTE).toUTCString();
    expect(inTwoMinutes).toMatch(/GMT$/);
    expect(parseRetryAfter(inTwoMinutes, NOW)).toBe(2 * MINUTE);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', NOW)).toBe(30 * SECOND);
  });

  it('treats a date in the past as "now"', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:00 GMT', NOW)).toBe(0);
  });

  it('caps a very long Retry-After at one day, as seconds or as a date', () => {
    expect(parseRetryAfter(String(7 * 24 * 3600), NOW)).toBe(24 * HOUR);
    expect(parseRetryAfter('99999999999999999999', NOW)).toBe(24 * HOUR);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', NOW)).toBe(24 * HOUR);
  });

  it('ignores an absent or unreadable header', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('Mon, 99 Foo 2026 GMT', NOW)).toBeUndefined();
  });

  it('together with the schedule: a receiver asking for 1 s on the first retry of a 100 ms schedule waits 1 s', () => {
    const fast: RetryPolicy = { scheduleMs: [100, 100, 100], jitter: 0 };
    expect(retryDelayMs(fast, 1, parseRetryAfter('1', NOW))).toBe(1 * SECOND);
    // Malformed values never shorten the schedule.
    for (const header of ['soon', '-5', '1.5', 'Sun, 22 Nov 2026 10:00:00 GMT']) {
      expect(retryDelayMs(exact, 1, parseRetryAfter(header, NOW)), header).toBe(5 * SECOND);
    }
  });
});
