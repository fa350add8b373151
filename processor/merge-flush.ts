import { derivedId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { EventEnvelope } from '../shared/types.js';
import type { MergeFlushMessage } from '../queue/messages.js';
import type { MessageBroker, MessageHandler } from '../queue/ports/message-broker.js';
import type { HeldEvent, MergeBuffer } from './ports/merge-buffer.js';
import { scheduleDelivery } from './schedule-delivery.js';

/**
 * The window's events in the order the platform received them (event ids sort by creation
 * within a time, so they break ties): events are fanned out concurrently, so the order they
 * were held in may differ slightly.
 */
function inArrivalOrder(events: readonly HeldEvent[]): HeldEvent[] {
  return [...events].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.envelope.id.localeCompare(b.envelope.id));
}

/** API.md's merged envelope: the latest event's, plus every event id in arrival order. */
export function mergedEnvelope(events: readonly HeldEvent[]): EventEnvelope {
  const ordered = inArrivalOrder(events);
  const latest = ordered.at(-1)!.envelope;
  return { ...latest, merged: { count: ordered.length, eventIds: ordered.map((held) => held.envelope.id) } };
}

/**
 * Turns a merge window whose time is up (or that is full) into one delivery. The window is
 * closed first (later events open a new one), the delivery queued, and only then the window
 * forgotten: a crash in between delivers the same merged delivery again (same id, so the same
 * webhook-id), never loses it. A second flush of a forgotten window does nothing.
 */
export function createMergeFlush(options: { broker: MessageBroker; buffer: MergeBuffer; logger: Logger }): MessageHandler<MergeFlushMessage> {
  const { broker, buffer } = options;
  return async function flushMergeWindow({ body }) {
    const window = await buffer.close(body.windowId);
    if (window === null) return;
    const latest = inArrivalOrder(window.events).at(-1);
    if (latest !== undefined) {
      await scheduleDelivery(broker, {
        deliveryId: derivedId('delivery', window.openedAt, 'merge', window.windowId),
        appId: window.appId,
        subscriptionId: window.subscriptionId,
        envelope: mergedEnvelope(window.events),
        createdAt: new Date(window.openedAt).toISOString(),
        eventReceivedAt: latest.receivedAt,
        ...(latest.traceparent !== undefined ? { traceparent: latest.traceparent } : {}),
      });
    }
    await buffer.release(window.windowId);
    options.logger.debug({ windowId: window.windowId, subscriptionId: window.subscriptionId, events: window.events.length }, 'merge window delivered');
  };
}
