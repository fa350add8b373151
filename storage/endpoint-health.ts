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

/** Why the endpoint's subscription should be disabled now, or null while it may go on. */
export function disableReason(health: EndpointHealth, policy: EndpointHealthPolicy, now: number): string | null {
  if (health.consecutiveDead >= policy.maxConsecutiveDead) {
    return `${health.consecutiveDead} deliveries in a row ended dead.`;
  }
  if (health.failingSince !== undefined && now - Date.parse(health.failingSince) >= policy.maxFailingMs) {
    return `The endpoint has failed every delivery since ${health.failingSince}.`;
  }
  return null;
}
