/** One signed webhook POST, ready to send. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came of one POST. A sender never throws: a failure to connect or a time-out is an answer too. */
export interface WebhookResponse {
  /** The HTTP status, or null when no response arrived (connection refused, time-out, blocked address). */
  statusCode: number | null;
  /** The `retry-after` header as sent, if any. */
  retryAfter?: string;
  /** The first KiB of the response body. */
  responseBody: string | null;
  durationMs: number;
  /** Why no usable response arrived, or a problem reading its body. */
  error: string | null;
}

/**
 * The port through which the processor reaches subscriber URLs. Adapters bound the time and
 * response size, follow no redirects, and refuse addresses a subscriber may not have.
 */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
