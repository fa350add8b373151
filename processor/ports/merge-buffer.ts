import type { EventEnvelope } from '../../shared/types.js';

/** An event held in a merge window. */
export interface HeldEvent {
  envelope: EventEnvelope;
  /** When the platform accepted it. */
  receivedAt: string;
  traceparent?: string;
}

export interface HoldRequest {
  /** Names this event's delivery to this subscription (the event id, plus a replay's id): holding it twice holds it once. */
  holdId: string;
  subscriptionId: string;
  appId: string;
  /** The value at the subscription's merge key, as JSON: events with equal values share a window. */
  mergeValue: string;
  windowMs: number;
  event: HeldEvent;
}

export interface Held {
  windowId: string;
  /** When the window's first event arrived (ms since the epoch); merged deliveries are created then. */
  openedAt: number;
  /** When the window closes (ms since the epoch). */
  closesAt: number;
  /** Events in the window, this one included. */
  count: number;
  /** This event opened the window. */
  opened: boolean;
  /** This event was already held (the event message came again, after a crash): a flush may never have been queued. */
  repeated: boolean;
}

export interface ClosedWindow {
  windowId: string;
  subscriptionId: string;
  appId: string;
  openedAt: number;
  /** In arrival order. */
  events: HeldEvent[];
}

/**
 * Where the processor holds events that wait in a merge window, durably: a window's events
 * survive a processor crash and are delivered after it. Adapters: SQLite (embedded, one
 * processor) and MongoDB (distributed: shared by every processor replica). A call rejects with
 * `UnavailableError` when the database cannot work now (a retry may succeed), and with
 * `UnrecoverableError` when it refuses the request itself (a retry would fail the same way).
 */
export interface MergeBuffer {
  start(): Promise<void>;
  /**
   * Adds the event to the open window of (subscription, merge value), opening one when none is
   * open or the open one's time has passed. Idempotent per `holdId` and subscription.
   */
  hold(request: HoldRequest, now: number): Promise<Held>;
  /**
   * Closes the window (later events open a new one) and returns its events; closing again
   * returns them again until `release`. Null when the window no longer exists.
   */
  close(windowId: string): Promise<ClosedWindow | null>;
  /** Forgets a closed window once its merged delivery is queued. */
  release(windowId: string): Promise<void>;
  stop(): Promise<void>;
}
