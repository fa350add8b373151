import { z } from 'zod';
import { filterErrors, isQuery } from './payload-filter.js';

/**
 * A subscription's `filter` as the API takes it: an object that `filterErrors` accepts, each
 * error a 422 naming its path (`filter.data.amount.$near`).
 *
 * The check runs on the value as the JSON body parsed it, before zod's record copies it: the
 * copy leaves out a `__proto__` key (so that it cannot replace the copy's prototype), which
 * would turn `{"__proto__": {"$gt": 1}}` into `{}`, a filter that matches every event.
 */
export function payloadFilterSchema() {
  return z.preprocess(
    (filter, ctx) => {
      if (isQuery(filter)) {
        for (const error of filterErrors(filter, '')) ctx.addIssue({ code: 'custom', message: error.message, path: error.path.split('.').slice(1), input: filter });
      }
      return filter;
    },
    z.record(z.string(), z.unknown()),
  );
}
