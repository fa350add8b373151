import { LRUCache } from 'lru-cache';
import type { Subscription } from '../shared/types.js';
import { compileFilter, type PayloadFilter } from '../shared/webhooks/payload-filter.js';
import { compileTransform, type PayloadTransform, type TransformLimits } from '../shared/webhooks/payload-transform.js';

/** A subscription's filter and transform, compiled. */
export interface CompiledRules {
  /** True when the envelope passes the payload filter (always, without one). */
  matches: PayloadFilter;
  /** The body to send for an envelope; absent when the envelope is sent as it is. */
  transform?: PayloadTransform;
}

const MATCH_ALL: PayloadFilter = () => true;

/**
 * Compiles each subscription's filter and transform once per version of the subscription
 * (its id and `updatedAt`) and keeps the result, so events are not re-parsing expressions.
 * The gateway validated both when they were saved.
 */
export class SubscriptionRules {
  readonly #compiled: LRUCache<string, CompiledRules>;
  readonly #limits: TransformLimits | undefined;

  constructor(options: { maxEntries?: number; transformLimits?: TransformLimits } = {}) {
    this.#compiled = new LRUCache({ max: options.maxEntries ?? 10_000 });
    this.#limits = options.transformLimits;
  }

  for(subscription: Pick<Subscription, 'id' | 'updatedAt' | 'filter' | 'transform'>): CompiledRules {
    const key = `${subscription.id} ${subscription.updatedAt}`;
    let rules = this.#compiled.get(key);
    if (rules === undefined) {
      rules = {
        matches: subscription.filter ? compileFilter(subscription.filter) : MATCH_ALL,
        ...(subscription.transform ? { transform: compileTransform(subscription.transform, this.#limits) } : {}),
      };
      this.#compiled.set(key, rules);
    }
    return rules;
  }
}
