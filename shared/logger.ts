import { pino, type Logger } from 'pino';

export type { Logger };

/** The root logger; tiers take it as a parameter and derive children carrying their ids. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'hookgate', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'secret', '*.secret', 'key'], censor: '[redacted]' },
  });
}
