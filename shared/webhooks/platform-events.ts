/**
 * Events the platform itself publishes to an app, delivered to the app's subscriptions like
 * any other. Their types start with `hookgate.`, which apps may not publish.
 */
export const PLATFORM_EVENT_PREFIX = 'hookgate.';

/** A subscription was disabled by the platform (410 Gone, or its endpoint kept failing). */
export const SUBSCRIPTION_DISABLED_EVENT = 'hookgate.subscription.disabled';

export interface SubscriptionDisabledData {
  subscriptionId: string;
  url: string;
  reason: string;
  disabledAt: string;
}
