import type { Attempt, Delivery, DeliveryRef, DeliveryStatus, DeliveryWithAttempts } from '../../shared/types.js';
import type { Page, PageRequest, TenantScope } from './page.js';

export interface DeliveryQuery {
  subscriptionId?: string;
  eventId?: string;
  status?: DeliveryStatus;
}

/** A delivery's state after one attempt. */
export interface DeliveryOutcome {
  status: DeliveryStatus;
  nextAttemptAt?: string;
  lastError?: string;
}

export interface DeliveryStore {
  /** Creates the delivery as `pending`; a repeat with the same id changes nothing. */
  recordScheduled(delivery: DeliveryRef): Promise<void>;
  /**
   * Stores the attempt (a repeat with the same attempt id changes nothing) and moves the
   * delivery to `outcome` unless a later attempt was already recorded. Creates the
   * delivery when its scheduling record has not arrived yet (results may arrive out of order).
   */
  recordAttempt(
    delivery: DeliveryRef,
    attempt: Attempt,
    outcome: DeliveryOutcome,
  ): Promise<void>;
  /** Marks a failed or dead delivery `pending` again for a manual retry; false when absent, out of scope. */
  markRetrying(id: string, scope: TenantScope, at: string): Promise<Delivery | null>;
  get(id: string, scope: TenantScope): Promise<DeliveryWithAttempts | null>;
  list(scope: TenantScope, query: DeliveryQuery, page: PageRequest): Promise<Page<Delivery>>;
}
