import type { Db } from 'mongodb';
import { ConfigError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logger.js';
import { isDuplicateKey } from './mongo-errors.js';
import type { MongoMigration } from './schema.js';

/** One applied migration, as recorded in `schema_migrations`. */
export interface MigrationRecord {
  _id: number;
  name: string;
  appliedAt: Date;
}

export const MIGRATIONS_COLLECTION = 'schema_migrations';

export interface MigrateOptions {
  db: Db;
  migrations: readonly MongoMigration[];
  logger?: Logger;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, recording each
 * once it has run completely; running it again is a no-op. Without DDL transactions a crash
 * mid-migration leaves it unrecorded, so it runs again at the next start (migrations are
 * idempotent for that reason), and two processes starting at once may both run one, but only
 * one records it. Returns the versions this call recorded.
 *
 * @throws ConfigError when the database was migrated by a newer hookgate (a version this code
 * does not know): running old code on a newer schema could corrupt data.
 */
export async function migrate(options: MigrateOptions): Promise<number[]> {
  const { db, migrations, logger } = options;
  assertOrdered(migrations);
  const records = db.collection<MigrationRecord>(MIGRATIONS_COLLECTION);
  const applied = new Set((await records.find({}, { projection: { _id: 1 } }).toArray()).map((record) => record._id));
  const newest = Math.max(0, ...applied);
  const latestKnown = migrations.at(-1)?.version ?? 0;
  if (newest > latestKnown) {
    throw new ConfigError(
      `The MongoDB database ${db.databaseName} has schema version ${newest}, newer than this hookgate knows (${latestKnown}); run a newer hookgate.`,
    );
  }

  const recorded: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await migration.up(db);
    try {
      const result = await records.updateOne(
        { _id: migration.version },
        { $setOnInsert: { name: migration.name, appliedAt: new Date() } },
        { upsert: true },
      );
      if (result.upsertedCount === 0) continue;
    } catch (error) {
      // Another process recorded it between our upsert's look and its insert.
      if (isDuplicateKey(error)) continue;
      throw error;
    }
    recorded.push(migration.version);
    logger?.info({ schemaVersion: migration.version, migration: migration.name }, 'applied storage migration');
  }
  return recorded;
}

function assertOrdered(migrations: readonly MongoMigration[]): void {
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (!Number.isInteger(migration.version) || migration.version < 1 || (previous && migration.version <= previous.version)) {
      throw new ConfigError(`Storage migration "${migration.name}" has version ${migration.version}; versions must be positive integers in increasing order.`);
    }
  });
}
