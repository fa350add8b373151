import { z } from 'zod';
import { transformError } from './payload-transform.js';

/**
 * A JSONata expression as subscriptions (`transform`) and the `emit-event` plugin (`data`) take
 * it: checked for syntax, and for regex literals that the linear-time engine (RE2) cannot run,
 * when saved or loaded, never per use.
 */
export function jsonataExpressionSchema() {
  return z
    .string()
    .min(1)
    .max(16_384)
    .superRefine((expression, ctx) => {
      const error = transformError(expression);
      if (error !== null) ctx.addIssue({ code: 'custom', message: error });
    });
}
