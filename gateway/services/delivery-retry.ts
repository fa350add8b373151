import { ConflictError, NotFoundError, UnavailableError } from '../../shared/errors/index.js';
import { envelopeOf, type Delivery } from '../../shared/types.js';
import type { MessageBroker } from '../../queue/ports/message-broker.js';
import type { Storage, TenantScope } from '../../storage/ports/index.js';

export interface DeliveryRetrierOptions {
  storage: Pick<Storage, 'deliveries' | 'events' | 'subscriptions'>;
  broker: MessageBroker;
}

export interface DeliveryRetrier {
  /**
   * Attempts a failed or dead delivery again, under the same delivery id (so the same
   * webhook-id): marks it pending, then queues its next attempt. Returns it as now pending.
   * 404 outside the scope; 409 when it is not failed or dead, or can no longer be delivered.
   */
  retry(id: string, scope: TenantScope): Promise<Delivery>;
}

const RETRYABLE = new Set<Delivery['status']>(['failed', 'dead']);

export function createDeliveryRetrier(options: DeliveryRetrierOptions): DeliveryRetrier {
  const { storage, broker } = options;
  return {
    async retry(id, scope) {
      const delivery = await storage.deliveries.get(id, scope);
      if (delivery === null) throw new NotFoundError(`Delivery ${id}`);
      if (!RETRYABLE.has(delivery.status)) {
        throw new ConflictError(`Delivery ${id} is ${delivery.status}; only failed or dead deliveries can be retried.`);
      }
      const event = await storage.events.get(delivery.eventId, delivery.appId);
      if (event === null) throw new ConflictError(`Delivery ${id} cannot be retried: its event no longer exists.`);
      const subscription = await storage.subscriptions.get(delivery.subscriptionId, delivery.appId);
      if (subscription === null) throw new ConflictError(`Delivery ${id} cannot be retried: its subscription was deleted.`);
      if (!subscription.enabled) {
        throw new ConflictError(`Delivery ${id} cannot be retried while subscription ${subscription.id} is disabled; enable it first.`);
      }
      const retrying = await storage.deliveries.markRetrying(id, scope, new Date().toISOString());
      if (retrying === null) throw new ConflictError(`Delivery ${id} changed while being retried; look at it again.`);
      try {
        await broker.publish('deliveries', {
          v: 1,
          deliveryId: retrying.id,
          appId: retrying.appId,
          subscriptionId: retrying.subscriptionId,
          envelope: retrying.mergedEventIds
            ? { ...envelopeOf(event), merged: { count: retrying.mergedEventIds.length, eventIds: retrying.mergedEventIds } }
            : envelopeOf(event),
          attempt: retrying.attemptCount + 1,
          createdAt: retrying.createdAt,
          eventReceivedAt: event.receivedAt,
        });
      } catch (error) {
        throw new UnavailableError('The delivery queue did not confirm the retry; try again shortly.', error);
      }
      return retrying;
    },
  };
}
