/** One schema change. `up` receives a function that executes SQL, so migrations name no driver type. */
export interface Migration {
  /** Strictly increasing, never reused; a released migration is never edited, only followed. */
  version: number;
  name: string;
  up(sql: (statements: string) => void): void;
}

/**
 * The schema, in order. Times are stored as given (RFC 3339 text) for reading back, plus an
 * `*_ms` integer where queries compare them, since RFC 3339 strings with and without
 * fractional seconds do not compare correctly as text. Structured fields are JSON text.
 * Everything an app owns references `apps` with ON DELETE CASCADE, so deleting an app is
 * one statement. Deliveries do not reference events or subscriptions: results may arrive
 * before, or outlive, what they point at.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up(sql) {
      sql(`
        CREATE TABLE apps (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          created_at TEXT NOT NULL
        );

        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY,
          app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
          prefix TEXT NOT NULL,
          hash TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL
        );
        CREATE INDEX api_keys_by_app ON api_keys(app_id, id);

        CREATE TABLE subscriptions (
          id TEXT PRIMARY KEY,
          app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
          url TEXT NOT NULL,
          events TEXT NOT NULL,
          filter TEXT,
          merge TEXT,
          transform TEXT,
          rate_limit TEXT,
          headers TEXT,
          description TEXT,
          enabled INTEGER NOT NULL,
          disabled_reason TEXT,
          secret_current TEXT NOT NULL,
          secret_previous TEXT,
          secret_previous_expires_at TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX subscriptions_by_app ON subscriptions(app_id, id);

        CREATE TABLE events (
          id TEXT PRIMARY KEY,
          app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
          type TEXT NOT NULL,
          data TEXT NOT NULL,
          occurred_at TEXT NOT NULL,
          received_at TEXT NOT NULL,
          received_ms INTEGER NOT NULL,
          idempotency_key TEXT,
          queued INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX events_by_app ON events(app_id, id);
        CREATE INDEX events_by_app_type_received ON events(app_id, type, received_ms);
        CREATE INDEX events_by_app_received ON events(app_id, received_ms);

        -- The latest event per (app, key); an older one is replaced once its window has passed.
        CREATE TABLE event_idempotency_keys (
          app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
          idempotency_key TEXT NOT NULL,
          event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
          received_ms INTEGER NOT NULL,
          PRIMARY KEY (app_id, idempotency_key)
        ) WITHOUT ROWID;
        CREATE INDEX event_idempotency_keys_by_event ON event_idempotency_keys(event_id);

        CREATE TABLE deliveries (
          id TEXT PRIMARY KEY,
          app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
          event_id TEXT NOT NULL,
          subscription_id TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'dead')),
          attempt_count INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          next_attempt_at TEXT,
          last_error TEXT
        );
        CREATE INDEX deliveries_by_app ON deliveries(app_id, id);
        CREATE INDEX deliveries_by_app_subscription ON deliveries(app_id, subscription_id, id);
        CREATE INDEX deliveries_by_app_event ON deliveries(app_id, event_id, id);
        CREATE INDEX deliveries_by_app_status ON deliveries(app_id, status, id);

        CREATE TABLE attempts (
          id TEXT PRIMARY KEY,
          delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
          number INTEGER NOT NULL,
          at TEXT NOT NULL,
          status_code INTEGER,
          duration_ms INTEGER NOT NULL,
          error TEXT,
          response_body TEXT
        );
        CREATE INDEX attempts_by_delivery ON attempts(delivery_id, number);
      `);
    },
  },
  {
    version: 2,
    name: 'subscription endpoint health',
    up(sql) {
      sql(`
        ALTER TABLE subscriptions ADD COLUMN consecutive_dead INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE subscriptions ADD COLUMN failing_since TEXT;
      `);
    },
  },
  {
    version: 3,
    name: 'merged deliveries remember their events',
    up(sql) {
      sql('ALTER TABLE deliveries ADD COLUMN merged_event_ids TEXT;');
    },
  },
];
