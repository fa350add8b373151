import { LRUCache } from 'lru-cache';
import { UnavailableError, UnrecoverableError } from '../shared/errors/index.js';
import type { Subscription } from '../shared/types.js';
import { envelopePathError, envelopePathReader } from '../shared/webhooks/envelope-path.js';
import { compileFilter, filterUsesRegex } from '../shared/webhooks/payload-filter.js';
import { TransformError, type JsonTransform } from '../shared/webhooks/payload-transform.js';
import type { TransformPool } from '../shared/webhooks/transform-pool.js';

/** A subscription's filter, transform and merge key, compiled. */
export interface CompiledRules {
  /**
   * True when the envelope passes the payload filter (always, without one): at once for a filter
   * without `$regex`; from the transform pool for one with it. Rejects with a TransformError
   * (its reason names the filter) when the filter fails, overruns or crashes its worker, and with
   * an UnavailableError when the pool cannot take it (closed, workers not starting).
   */
  matches: (envelope: unknown) => boolean | Promise<boolean>;
  /** The body to send for an envelope, as JSON text; absent when the envelope is sent as it is. Rejects with a TransformError. */
  transform?: JsonTransform;
  /**
   * The value at the merge key of an envelope (its own fields only); absent without a merge rule.
   * Throws an UnrecoverableError for a key saved before the API refused built-in names.
   */
  mergeValue?: (envelope: unknown) => unknown;
}

const MATCH_ALL = (): boolean => true;

/** A `$regex` filter's match, run in the pool; the pool's own plain Errors are worth retrying later, not the filter's fault. */
function pooledFilter(pool: Pick<TransformPool, 'match'>, filter: Record<string, unknown>): (envelope: unknown) => Promise<boolean> {
  return (envelope) =>
    pool.match(filter, envelope).catch((error: unknown) => {
      if (error instanceof TransformError) throw error;
      throw new UnavailableError(`The filter could not be run now: ${(error as Error)?.message ?? String(error)}`, error);
    });
}

function mergeValueReader(key: string): (envelope: unknown) => unknown {
  // The API refuses such keys now; one saved before it did must not read what every object inherits.
  const error = envelopePathError(key);
  if (error === null) return envelopePathReader(key);
  return function refusedMergeKey() {
    throw new UnrecoverableError(`The merge key "${key}" ${error}; change the subscription's merge key.`);
  };
}

/**
 * Compiles each subscription's filter and merge key once per version of the subscription (its id and
 * `updatedAt`) and keeps the result, so events are not re-parsing expressions. Its transform, a
 * tenant's code, runs in the transform pool: out of this process, under a deadline and a memory
 * cap (the pool's workers keep each expression compiled); so does a filter with a `$regex`,
 * whose cost (field length times RE2 program) can reach seconds. Other filters run here. The gateway validated both when they
 * were saved.
 */
export class SubscriptionRules {
  readonly #compiled: LRUCache<string, CompiledRules>;
  readonly #transforms: Pick<TransformPool, 'run' | 'match'>;

  constructor(options: { transforms: Pick<TransformPool, 'run' | 'match'>; maxEntries?: number }) {
    this.#compiled = new LRUCache({ max: options.maxEntries ?? 10_000 });
    this.#transforms = options.transforms;
  }

  for(subscription: Pick<Subscription, 'id' | 'updatedAt' | 'filter' | 'transform' | 'merge'>): CompiledRules {
    const key = `${subscription.id} ${subscription.updatedAt}`;
    let rules = this.#compiled.get(key);
    if (rules === undefined) {
      const transforms = this.#transforms;
      const expression = subscription.transform;
      const filter = subscription.filter;
      rules = {
        matches: !filter ? MATCH_ALL : filterUsesRegex(filter) ? pooledFilter(transforms, filter) : compileFilter(filter),
        ...(expression ? { transform: (envelope: unknown) => transforms.run(expression, envelope) } : {}),
        ...(subscription.merge ? { mergeValue: mergeValueReader(subscription.merge.key) } : {}),
      };
      this.#compiled.set(key, rules);
    }
    return rules;
  }
}
