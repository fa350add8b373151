import { errorCatalogue, type ErrorCode } from './catalogue.js';

/** One invalid field: `path` is dotted from the request body root (`events.0`), or a header/query name. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * The one error type the HTTP layer understands. Adapters translate their driver's failures
 * into one of these at their boundary, so tiers never see a driver error.
 */
export class HookgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? errorCatalogue[code].title, { cause: options.cause });
    this.name = 'HookgateError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends HookgateError {
  constructor(errors: FieldError[], detail = 'The request has invalid fields; see errors.') {
    super('HG_ERR_VALIDATION', detail, { errors });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends HookgateError {
  constructor(what: string) {
    super('HG_ERR_NOT_FOUND', `${what} was not found.`);
    this.name = 'NotFoundError';
  }
}

export class UnauthorizedError extends HookgateError {
  constructor(detail = 'Send a valid API key or admin token as a Bearer credential.') {
    super('HG_ERR_UNAUTHORIZED', detail, { headers: { 'www-authenticate': 'Bearer' } });
    this.name = 'UnauthorizedError';
  }
}

export class ConflictError extends HookgateError {
  constructor(detail: string) {
    super('HG_ERR_CONFLICT', detail);
    this.name = 'ConflictError';
  }
}

/** A dependency (broker, database, storage service) cannot take work now; the caller may retry. */
export class UnavailableError extends HookgateError {
  constructor(detail: string, cause?: unknown) {
    super('HG_ERR_UNAVAILABLE', detail, { cause, headers: { 'retry-after': '5' } });
    this.name = 'UnavailableError';
  }
}

/**
 * Processing a message can never succeed (bad payload, failing transform): dead-letter it
 * instead of retrying. Distinct from a failure that a later attempt may fix.
 */
export class UnrecoverableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnrecoverableError';
  }
}

/** Startup configuration is wrong; the message names the variable or YAML path. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The error another tier raised, rebuilt from its problem `code` as the same class, so
 * `instanceof` checks behave the same whether a port is local or behind the storage service.
 */
export function errorFromCode(code: ErrorCode, detail: string | undefined, errors?: FieldError[]): HookgateError {
  const message = detail ?? errorCatalogue[code].title;
  switch (code) {
    case 'HG_ERR_VALIDATION':
      return new ValidationError(errors ?? [], message);
    case 'HG_ERR_UNAUTHORIZED':
      return new UnauthorizedError(message);
    case 'HG_ERR_CONFLICT':
      return new ConflictError(message);
    case 'HG_ERR_UNAVAILABLE':
      return new UnavailableError(message);
    case 'HG_ERR_NOT_FOUND':
      return Object.assign(new NotFoundError('The resource'), { message });
    default:
      return new HookgateError(code, message, errors ? { errors } : {});
  }
}
