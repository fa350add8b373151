import type { ZodError } from 'zod';
import { errorCatalogue, problemType } from './catalogue.js';
import { HookgateError, ValidationError, type FieldError } from './hookgate-error.js';

/** RFC 9457 problem details, as every hookgate HTTP API answers errors. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Turns any thrown value into a HookgateError; unknown errors become HG_ERR_INTERNAL. */
export function toHookgateError(error: unknown): HookgateError {
  if (error instanceof HookgateError) return error;
  return new HookgateError('HG_ERR_INTERNAL', 'An unexpected error occurred.', { cause: error });
}

export function toProblem(error: HookgateError, instance?: string): ProblemDetails {
  const entry = errorCatalogue[error.code];
  return {
    type: problemType(error.code),
    title: entry.title,
    status: error.status,
    detail: error.message,
    ...(instance ? { instance } : {}),
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** Zod issues as API.md's `errors: [{path, message}]`. */
export function fieldErrorsFromZod(error: ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}

export function validationErrorFromZod(error: ZodError, prefix = ''): ValidationError {
  return new ValidationError(fieldErrorsFromZod(error, prefix));
}
