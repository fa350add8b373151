import { LRUCache } from 'lru-cache';
import type { Subscription } from '../shared/types.js';
import { compileFilter, type PayloadFilter } from '../shared/webhooks/payload-filter.js';
import type { TransformPool } from '../shared/webhooks/transform-pool.js';

/** The body to send for an envelope, as JSON text. Rejects with a TransformError. */
export type BodyTransform = (envelope: unknown) => Promise<string>;

/** A subscription's filter and transform, compiled. */
export interface CompiledRules {
  /** True when the envelope passes the payload filter (always, without one). */
  matches: PayloadFilter;
  /** The body to send for an envelope; absent when the envelope is sent as it is. */
  transform?: BodyTransform;
}

const MATCH_ALL: PayloadFilter = () => true;

/**
 * Compiles each subscription's filter once per version of the subscription (its id and
 * `updatedAt`) and keeps the result, so events are not re-parsing expressions. Its transform, a
 * tenant's code, runs in the transform pool: out of this process, under a deadline and a memory
 * cap (the pool's workers keep each expression compiled). The gateway validated both when they
 * were saved.
 */
export class SubscriptionRules {
  readonly #compiled: LRUCache<string, CompiledRules>;
  readonly #transforms: Pick<TransformPool, 'run'>;

  constructor(options: { transforms: Pick<TransformPool, 'run'>; maxEntries?: number }) {
    this.#compiled = new LRUCache({ max: options.maxEntries ?? 10_000 });
    this.#transforms = options.transforms;
  }

  for(subscription: Pick<Subscription, 'id' | 'updatedAt' | 'filter' | 'transform'>): CompiledRules {
    const key = `${subscription.id} ${subscription.updatedAt}`;
    let rules = this.#compiled.get(key);
    if (rules === undefined) {
      const transforms = this.#transforms;
      const expression = subscription.transform;
      rules = {
        matches: subscription.filter ? compileFilter(subscription.filter) : MATCH_ALL,
        ...(expression ? { transform: (envelope: unknown) => transforms.run(expression, envelope) } : {}),
      };
      this.#compiled.set(key, rules);
    }
    return rules;
  }
}
