import { UnavailableError } from '../../../shared/errors/index.js';

/**
 * Turns whatever amqplib threw into the one error tiers understand. Every broker failure is
 * "cannot take work now": the caller retries later, and nothing it handed over is acknowledged.
 */
export function toUnavailable(what: string, error: unknown): UnavailableError {
  if (error instanceof UnavailableError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new UnavailableError(`RabbitMQ: ${what}: ${detail}`, error);
}

/** The AMQP reply code of a channel or connection error, when amqplib gives one. */
export function amqpCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** 404 NOT_FOUND: the queue or exchange does not exist. */
export const AMQP_NOT_FOUND = 404;
