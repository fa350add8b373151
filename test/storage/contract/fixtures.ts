import { expect } from 'vitest';
import { newId } from '../../../shared/ids.js';
import type { App, Attempt, Delivery, StoredEvent, Subscription } from '../../../shared/types.js';
import type { Page, Storage } from '../../../storage/ports/index.js';

/**
 * What every part of the storage contract works on: a started, empty storage with two apps
 * in it, fresh for each test. The parts read it in their own beforeEach.
 */
export interface ContractContext {
  storage: Storage;
  /** The app under test. */
  app: App;
  /** Another tenant, whose data must stay invisible to `app` and untouched by it. */
  other: App;
}

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

/** A fixed clock for records, so tests never depend on how fast they run. */
export function at(offsetMs: number): string {
  return new Date(T0 + offsetMs).toISOString();
}

export function anApp(name = 'shop'): App {
  return { id: newId('app'), name, createdAt: at(0) };
}

export function aSubscription(appId: string, fields: Partial<Subscription> = {}): Subscription {
  return {
    id: newId('subscription'),
    appId,
    url: 'https://hooks.example.com/in',
    events: ['order.*'],
    enabled: true,
    createdAt: at(0),
    updatedAt: at(0),
    ...fields,
  };
}

export function anEvent(appId: string, fields: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: newId('event'),
    appId,
    type: 'order.paid',
    data: { orderId: 'o-1', amount: 42 },
    occurredAt: at(0),
    receivedAt: at(0),
    ...fields,
  };
}

export function aDeliveryRef(appId: string, fields: Partial<Delivery> = {}) {
  return { id: newId('delivery'), appId, eventId: newId('event'), subscriptionId: newId('subscription'), createdAt: at(0), ...fields };
}

export function anAttempt(deliveryId: string, number: number, fields: Partial<Attempt> = {}): Attempt {
  return {
    id: newId('attempt'),
    deliveryId,
    number,
    at: at(number * 1000),
    statusCode: 500,
    durationMs: 12,
    error: null,
    responseBody: 'down',
    ...fields,
  };
}

/** Follows `nextCursor` to the end, checking every page respects the limit. */
export async function collectPages<T extends { id: string }>(fetch: (cursor: string | undefined) => Promise<Page<T>>, limit: number) {
  const pages: T[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetch(cursor);
    expect(page.data.length).toBeLessThanOrEqual(limit);
    pages.push(page.data);
    if (page.nextCursor === null) break;
    expect(page.nextCursor).toBe(page.data.at(-1)?.id);
    cursor = page.nextCursor;
    if (pages.length > 50) throw new Error('paging did not end');
  }
  return pages;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
