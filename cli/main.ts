import { loadConfig, type HookgateConfig } from '../shared/config/index.js';
import { ConfigError } from '../shared/errors/index.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { packageVersion } from '../shared/package-version.js';

const USAGE = `usage: hookgate <command>

commands:
  start       run every tier in one process (embedded queue, SQLite under HOOKGATE_DATA_DIR)
  version     print the version
  help        print this text

Configuration comes from HOOKGATE_* environment variables; see README.md.
`;

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

async function start(config: HookgateConfig, logger: Logger): Promise<void> {
  if (config.mode === 'distributed') {
    throw new ConfigError(
      'HOOKGATE_AMQP_URL / HOOKGATE_MONGODB_URL: `hookgate start` runs the embedded mode only; unset them (distributed mode is not available yet)',
    );
  }
  // Loaded here so `help` and config errors answer without loading every tier.
  const { startEmbedded } = await import('./embedded.js');
  const platform = await startEmbedded(config, logger);
  logger.info({ url: platform.server.url, dataDir: config.dataDir, mode: config.mode }, 'hookgate is listening');
  if (platform.generatedAdminToken) {
    process.stdout.write(
      `\nOperator token (shown once; only its hash is kept in ${config.dataDir}):\n\n  ${platform.generatedAdminToken}\n\n` +
        'Set HOOKGATE_ADMIN_TOKEN to choose your own instead.\n\n',
    );
  }
  stopOnSignals(platform.stop, logger);
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
  if (command !== 'start') {
    process.stderr.write(`hookgate: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { version: packageVersion() });
  await start(config, logger);
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
