import type Database from 'better-sqlite3';
import { ConfigError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logger.js';
import type { Migration } from './schema.js';

export interface MigrateOptions {
  db: Database.Database;
  migrations: readonly Migration[];
  logger?: Logger;
}

/**
 * Applies the migrations newer than the highest version in `schema_migrations`, each in its
 * own IMMEDIATE transaction together with its bookkeeping row, so a crash leaves either the
 * whole migration or none of it, and two processes starting at once apply it once. Running
 * it again is a no-op. Returns the versions it applied.
 *
 * @throws ConfigError when the file was migrated by a newer hookgate (a version this code
 * does not know): running old code on a newer schema could corrupt data.
 */
export function migrate(options: MigrateOptions): number[] {
  const { db, migrations, logger } = options;
  assertOrdered(migrations);
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )
  `);
  const latestKnown = migrations.at(-1)?.version ?? 0;
  const currentVersion = (): number =>
    (db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null }).version ?? 0;

  const before = currentVersion();
  if (before > latestKnown) {
    throw new ConfigError(
      `The SQLite file ${db.name} has schema version ${before}, newer than this hookgate knows (${latestKnown}); run a newer hookgate.`,
    );
  }

  const applied: number[] = [];
  for (const migration of migrations.filter((candidate) => candidate.version > before)) {
    const apply = db.transaction(() => {
      // Re-read inside the lock: another process may have applied it since we looked.
      if (currentVersion() >= migration.version) return false;
      migration.up((statements) => db.exec(statements));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
      return true;
    });
    if (apply.immediate()) {
      applied.push(migration.version);
      logger?.info({ schemaVersion: migration.version, migration: migration.name }, 'applied storage migration');
    }
  }
  return applied;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (!Number.isInteger(migration.version) || migration.version < 1 || (previous && migration.version <= previous.version)) {
      throw new ConfigError(`Storage migration "${migration.name}" has version ${migration.version}; versions must be positive integers in increasing order.`);
    }
  });
}
