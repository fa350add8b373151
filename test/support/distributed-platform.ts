import { randomBytes } from 'node:crypto';
import { AMQP_URL, deleteTopology, uniquePrefix } from '../queue/fixtures/rabbitmq-harness.js';
import { ApiClient } from './api-client.js';
import { testDatabase, type TestDatabase } from './congodb.js';
import { spawnHookgate, type HookgateProcess } from './hookgate-process.js';
import { makeTempDir } from './temp-dir.js';

/** The database's own URL: the tiers take the database from the connection string. */
function mongoUrl(database: TestDatabase): string {
  const url = new URL(database.url);
  url.pathname = `/${database.dbName}`;
  return url.toString();
}

export const DISTRIBUTED_ADMIN_TOKEN = 'distributed-admin-token-0123456789';

export interface DistributedPlatform {
  gatewayUrl: string;
  admin: ApiClient;
  storage: HookgateProcess;
  gateway: HookgateProcess;
  processors: HookgateProcess[];
  /** Kills processor `index` with SIGKILL and starts it again on the same data dir. */
  killAndRestartProcessor(index: number): Promise<void>;
  /**
   * SIGTERM to every process (gateway first, storage last), waiting for each to exit; then the
   * broker topology and data dirs are removed. Resolves with each process's exit code.
   */
  stop(): Promise<(number | null)[]>;
}

/**
 * hookgate as production runs it, on this machine: `hookgate storage`, N × `hookgate processor`
 * and `hookgate gateway` as real child processes, over the real RabbitMQ (a unique prefix per
 * platform, so tests never share queues) and MongoDB (the CongoDB test server in this process,
 * or `HOOKGATE_TEST_MONGODB_URL`; a database of its own), with loopback receivers allowed and
 * a short retry schedule unless `env` says otherwise.
 */
export async function startDistributedPlatform(options: { processors?: number; env?: Record<string, string> } = {}): Promise<DistributedPlatform> {
  const prefix = uniquePrefix();
  const database = await testDatabase('distributed');
  const dirs = [makeTempDir('dist-storage')];
  const common: Record<string, string> = {
    HOOKGATE_AMQP_URL: AMQP_URL,
    HOOKGATE_AMQP_PREFIX: prefix,
    HOOKGATE_MONGODB_URL: mongoUrl(database),
    HOOKGATE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    HOOKGATE_ADMIN_TOKEN: DISTRIBUTED_ADMIN_TOKEN,
    HOOKGATE_ALLOW_PRIVATE_URLS: 'true',
    HOOKGATE_RETRY_SCHEDULE: '100ms,100ms,100ms',
    HOOKGATE_RETRY_JITTER: '0',
    HOOKGATE_DELIVERY_TIMEOUT: '2s',
    HOOKGATE_SHUTDOWN_TIMEOUT: '2s',
    ...options.env,
  };
  const storage = await spawnHookgate({ ...common, HOOKGATE_DATA_DIR: dirs[0]!.path }, 30_000, 'storage');
  common.HOOKGATE_STORAGE_URL = storage.url;

  const processorEnv = (index: number) => ({ ...common, HOOKGATE_DATA_DIR: dirs[index + 1]!.path });
  const processors: HookgateProcess[] = [];
  for (let index = 0; index < (options.processors ?? 1); index++) {
    dirs.push(makeTempDir(`dist-processor-${index}`));
    processors.push(await spawnHookgate(processorEnv(index), 30_000, 'processor'));
  }
  dirs.push(makeTempDir('dist-gateway'));
  const gateway = await spawnHookgate({ ...common, HOOKGATE_DATA_DIR: dirs.at(-1)!.path }, 30_000, 'gateway');

  function terminate(process: HookgateProcess): Promise<number | null> {
    if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGTERM');
    return process.exited;
  }

  return {
    gatewayUrl: gateway.url,
    admin: new ApiClient(gateway.url, DISTRIBUTED_ADMIN_TOKEN),
    storage,
    gateway,
    processors,
    async killAndRestartProcessor(index) {
      const processor = processors[index]!;
      processor.child.kill('SIGKILL');
      await processor.exited;
      processors[index] = await spawnHookgate(processorEnv(index), 30_000, 'processor');
    },
    async stop() {
      const codes = [await terminate(gateway), ...(await Promise.all(processors.map(terminate))), await terminate(storage)];
      await deleteTopology(prefix);
      await database.drop();
      for (const dir of dirs) dir.remove();
      return codes;
    },
  };
}
