import { ulid } from 'ulid';
import { ConflictError, NotFoundError, UnavailableError } from '../../shared/errors/index.js';
import { envelopeOf } from '../../shared/types.js';
import { matchesAnyPattern } from '../../shared/webhooks/event-pattern.js';
import type { MessageBroker } from '../../queue/ports/message-broker.js';
import type { Storage, TenantScope } from '../../storage/ports/index.js';

export interface SubscriptionReplayOptions {
  storage: Pick<Storage, 'events' | 'subscriptions'>;
  broker: MessageBroker;
  /** Events read from storage per page. */
  pageSize?: number;
}

export interface ReplayStarted {
  /** Carried by every message of this replay, so its deliveries are new ones, not the first deliveries again. */
  replayId: string;
  /** Events queued for redelivery. */
  events: number;
}

export interface SubscriptionReplayer {
  /**
   * Queues every event of the subscription's app received at or after `since` (and before the
   * replay began) whose type matches the subscription, for that subscription alone.
   */
  replay(subscriptionId: string, scope: TenantScope, since: string): Promise<ReplayStarted>;
}

export function createSubscriptionReplayer(options: SubscriptionReplayOptions): SubscriptionReplayer {
  const { storage, broker } = options;
  const pageSize = options.pageSize ?? 250;
  return {
    async replay(subscriptionId, scope, since) {
      const subscription = await storage.subscriptions.get(subscriptionId, scope);
      if (subscription === null) throw new NotFoundError(`Subscription ${subscriptionId}`);
      if (!subscription.enabled) throw new ConflictError(`Subscription ${subscriptionId} is disabled; enable it before replaying.`);
      const replayId = 'rpl_' + ulid();
      const startedAt = new Date().toISOString();
      // The store's `after` is exclusive; `since` is inclusive.
      const after = new Date(Date.parse(since) - 1).toISOString();
      let queued = 0;
      let cursor: string | undefined;
      do {
        const page = await storage.events.list(subscription.appId, { after }, { limit: pageSize, ...(cursor ? { cursor } : {}) });
        for (const event of page.data) {
          if (event.receivedAt > startedAt || !matchesAnyPattern(subscription.events, event.type)) continue;
          try {
            await broker.publish(
              'events',
              { v: 1, appId: event.appId, event: envelopeOf(event), receivedAt: event.receivedAt, onlySubscriptionId: subscription.id, replayId },
              { routingKey: event.type },
            );
          } catch (error) {
            throw new UnavailableError(`The queue stopped confirming after ${queued} events of replay ${replayId}; replay again later.`, error);
          }
          queued += 1;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return { replayId, events: queued };
    },
  };
}
