import type { DisableCause } from '../queue/messages.js';
import type { SubscriptionDisabledData } from '../shared/webhooks/platform-events.js';
import type { EndpointHealth } from './ports/index.js';

/** When the platform gives up on an endpoint (`HOOKGATE_DISABLE_AFTER_DEAD`, `HOOKGATE_DISABLE_AFTER_FAILING`). */
export interface EndpointHealthPolicy {
  /** Dead deliveries in a row that disable the subscription. */
  maxConsecutiveDead: number;
  /** How long an endpoint may keep failing (no success since its first dead delivery) before it is disabled. */
  maxFailingMs: number;
}

/** Tells the app that the platform disabled one of its subscriptions; `idempotencyKey` makes a repeat harmless. */
export type DisabledAnnouncer = (appId: string, data: SubscriptionDisabledData, idempotencyKey: string) => Promise<void>;

/** Why the policy disables an endpoint: a bounded cause (metric label) and a sentence for the app. */
export interface DisableVerdict {
  cause: Exclude<DisableCause, 'gone'>;
  reason: string;
}

/** Why the endpoint's subscription should be disabled now, or null while it may go on. */
export function disableVerdict(health: EndpointHealth, policy: EndpointHealthPolicy, now: number): DisableVerdict | null {
  if (health.consecutiveDead >= policy.maxConsecutiveDead) {
    return { cause: 'unhealthy', reason: `${health.consecutiveDead} deliveries in a row ended dead.` };
  }
  if (health.failingSince !== undefined && now - Date.parse(health.failingSince) >= policy.maxFailingMs) {
    return { cause: 'failing', reason: `The endpoint has failed every delivery since ${health.failingSince}.` };
  }
  return null;
}
