import type { MessageProperties } from 'amqplib';
import { MESSAGE_SCHEMA_VERSION } from '../../messages.js';

/** The headers this adapter writes. Broker-set headers (x-death, x-delivery-count) are never copied on. */
export const HEADERS = {
  /** The schema version of the body (`MESSAGE_SCHEMA_VERSION`). */
  schema: 'x-hookgate-schema',
  /** The number of this delivery as counted when the message was (re)published; absent means 1. */
  deliveryCount: 'x-hookgate-delivery-count',
  /** Epoch ms before which the message must not be handled (delayed publish or retry). */
  deliverAt: 'x-hookgate-deliver-at',
  /** Epoch ms when this copy was published (the AMQP `timestamp` property has whole seconds only). */
  publishedAt: 'x-hookgate-published-at',
  /** The routing key of the original publish, kept across wait and dead queues. */
  routingKey: 'x-hookgate-routing-key',
  /** Why and when a message was dead-lettered. */
  deadReason: 'x-hookgate-dead-reason',
  deadAt: 'x-hookgate-dead-at',
  /** Unique per publish: ties a broker `basic.return` to the publish it refuses. */
  publishTag: 'x-hookgate-publish-tag',
} as const;

/** Set by quorum queues: how many times the broker handed the message out before without an ack. */
const QUORUM_DELIVERY_COUNT = 'x-delivery-count';

function numberHeader(headers: Record<string, unknown> | undefined, name: string): number | undefined {
  const value = headers?.[name];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function stringHeader(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/**
 * The delivery number a handler sees: the count this adapter carried in its header (bumped on
 * each retry it republished) plus the quorum queue's count of hand-outs that ended without an
 * ack (a crash, a dropped connection), so a crash-redelivery counts too.
 */
export function deliveryCountOf(properties: MessageProperties): number {
  const headers = properties.headers as Record<string, unknown> | undefined;
  const counted = Math.max(1, Math.floor(numberHeader(headers, HEADERS.deliveryCount) ?? 1));
  const returned = Math.max(0, Math.floor(numberHeader(headers, QUORUM_DELIVERY_COUNT) ?? 0));
  return counted + returned;
}

export function deliverAtOf(properties: MessageProperties): number | undefined {
  return numberHeader(properties.headers as Record<string, unknown> | undefined, HEADERS.deliverAt);
}

/**
 * Epoch ms when the message became due: its `deliverAt` when it was delayed, else when this
 * copy was published (the AMQP timestamp for a message published before that header existed).
 */
export function dueAtOf(properties: MessageProperties): number | undefined {
  const headers = properties.headers as Record<string, unknown> | undefined;
  const timestamp = typeof properties.timestamp === 'number' ? properties.timestamp * 1000 : undefined;
  return numberHeader(headers, HEADERS.deliverAt) ?? numberHeader(headers, HEADERS.publishedAt) ?? timestamp;
}

export function routingKeyOf(properties: MessageProperties): string | undefined {
  return stringHeader(properties.headers as Record<string, unknown> | undefined, HEADERS.routingKey);
}

export function schemaOf(properties: MessageProperties): unknown {
  return (properties.headers as Record<string, unknown> | undefined)?.[HEADERS.schema];
}

export function deadInfoOf(properties: MessageProperties): { reason: string; deadAt: string } {
  const headers = properties.headers as Record<string, unknown> | undefined;
  return {
    reason: stringHeader(headers, HEADERS.deadReason) ?? 'unknown',
    deadAt: stringHeader(headers, HEADERS.deadAt) ?? new Date(0).toISOString(),
  };
}

/** What a publish carries besides the body. */
export interface OutgoingMessage {
  content: Buffer;
  messageId: string;
  routingKey: string;
  deliveryCount: number;
  deliverAt?: number;
  dead?: { reason: string; at: string };
  /** The schema header of a message being republished; a fresh publish carries the current version. */
  schema?: unknown;
}

/** The headers of an outgoing message, built fresh so broker headers never accumulate. */
export function headersFor(message: OutgoingMessage): Record<string, unknown> {
  return {
    [HEADERS.schema]: message.schema ?? MESSAGE_SCHEMA_VERSION,
    [HEADERS.routingKey]: message.routingKey,
    [HEADERS.publishedAt]: Date.now(),
    ...(message.deliveryCount > 1 ? { [HEADERS.deliveryCount]: message.deliveryCount } : {}),
    ...(message.deliverAt !== undefined ? { [HEADERS.deliverAt]: message.deliverAt } : {}),
    ...(message.dead ? { [HEADERS.deadReason]: message.dead.reason, [HEADERS.deadAt]: message.dead.at } : {}),
  };
}
