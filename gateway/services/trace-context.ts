const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The request's W3C `traceparent` when it is valid, so the webhook continues the publisher's
 * trace; an invalid one is dropped, as the Trace Context spec asks, rather than passed on.
 */
export function validTraceparent(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, parentId] = match;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return match[0];
}
