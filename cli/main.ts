import { loadConfig, type HookgateConfig } from '../shared/config/index.js';
import { ConfigError } from '../shared/errors/index.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { packageVersion } from '../shared/package-version.js';
import type { RunningTier } from './tiers/running-tier.js';

const USAGE = `usage: hookgate <command>

commands:
  start       run every tier in one process (embedded queue, SQLite under HOOKGATE_DATA_DIR)
  gateway     run the gateway tier (distributed mode: needs HOOKGATE_AMQP_URL and the storage tier)
  processor   run the processor tier (distributed mode: needs HOOKGATE_AMQP_URL and the storage tier)
  storage     run the storage tier (distributed mode: needs HOOKGATE_AMQP_URL; MongoDB with HOOKGATE_MONGODB_URL)
  migrate     apply pending storage migrations and exit
  check-config FILE
              validate a gateway config file (hookgate.yaml) without starting; exit 1 with every mistake
  version     print the version
  help        print this text

Configuration comes from HOOKGATE_* environment variables and, for the gateway's routes and
plugins, HOOKGATE_CONFIG; see README.md and docs/gateway-config.md.
`;

type TierStarter = (config: HookgateConfig, logger: Logger) => Promise<RunningTier>;

/** Each long-running command and its tier, loaded only when asked for, so `help` and config errors answer at once. */
const TIERS: Record<string, () => Promise<TierStarter>> = {
  start: async () => {
    const { startEmbedded } = await import('./embedded.js');
    return async (config, logger) => {
      if (config.mode === 'distributed') {
        throw new ConfigError(
          'HOOKGATE_AMQP_URL / HOOKGATE_MONGODB_URL: `hookgate start` runs every tier embedded; for RabbitMQ and MongoDB run `hookgate gateway`, `hookgate processor` and `hookgate storage`',
        );
      }
      return startEmbedded(config, logger);
    };
  },
  gateway: async () => (await import('./tiers/gateway-tier.js')).startGatewayTier,
  processor: async () => (await import('./tiers/processor-tier.js')).startProcessorTier,
  storage: async () => (await import('./tiers/storage-tier.js')).startStorageTier,
};

/** Stops on SIGTERM or SIGINT; a second signal exits at once. */
function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping: no new work, finishing what is in hand');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stopped with an error');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function run(command: string, config: HookgateConfig, logger: Logger): Promise<void> {
  const startTier = await TIERS[command]!();
  const tier = await startTier(config, logger);
  logger.info({ url: tier.server.url, tier: command, dataDir: config.dataDir, mode: config.mode }, 'hookgate is listening');
  if (tier.generatedAdminToken) {
    process.stdout.write(
      `\nOperator token (shown once; only its hash is kept in ${config.dataDir}):\n\n  ${tier.generatedAdminToken}\n\n` +
        'Set HOOKGATE_ADMIN_TOKEN to choose your own instead.\n\n',
    );
  }
  stopOnSignals(tier.stop, logger);
}

/** `hookgate migrate`: opens the configured store, which applies pending migrations, and closes it. */
async function migrate(config: HookgateConfig, logger: Logger): Promise<void> {
  const { openStorage } = await import('./tiers/storage-adapters.js');
  const storage = openStorage(config, logger);
  await storage.start();
  await storage.close();
  logger.info('storage migrations applied');
}

/** `hookgate check-config FILE`: every mistake on stderr, each naming the file, the route and the field. */
async function checkConfig(file: string | undefined): Promise<number> {
  if (file === undefined) {
    process.stderr.write('usage: hookgate check-config FILE\n');
    return 2;
  }
  const { checkGatewayConfig } = await import('../gateway/config/index.js');
  const errors = await checkGatewayConfig(file);
  if (errors.length > 0) {
    process.stderr.write(errors.map((error) => `${error}\n`).join(''));
    return 1;
  }
  process.stdout.write(`${file}: valid\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command = 'help'] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'version' || command === '--version') {
    process.stdout.write(packageVersion() + '\n');
    return 0;
  }
  if (command === 'check-config') return checkConfig(argv[1]);
  if (command !== 'migrate' && !(command in TIERS)) {
    process.stderr.write(`hookgate: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { version: packageVersion() });
  if (command === 'migrate') {
    await migrate(config, logger);
    return 0;
  }
  await run(command, config, logger);
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`hookgate: ${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
