import { startEmbedded, type EmbeddedPlatform } from '../../cli/embedded.js';
import { loadConfig } from '../../shared/config/index.js';
import { createLogger } from '../../shared/logger.js';
import { ApiClient } from './api-client.js';
import { makeTempDir } from './temp-dir.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestPlatform {
  platform: EmbeddedPlatform;
  admin: ApiClient;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The whole embedded platform in this process, on a fresh data dir and a free port, with
 * loopback receivers allowed and a short retry schedule unless `env` says otherwise.
 */
export async function startTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const dir = makeTempDir('platform');
  const config = loadConfig({
    HOOKGATE_PORT: '0',
    HOOKGATE_HOST: '127.0.0.1',
    HOOKGATE_DATA_DIR: dir.path,
    HOOKGATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HOOKGATE_ALLOW_PRIVATE_URLS: 'true',
    HOOKGATE_RETRY_SCHEDULE: '100ms,100ms,100ms',
    HOOKGATE_RETRY_JITTER: '0',
    HOOKGATE_DELIVERY_TIMEOUT: '2s',
    HOOKGATE_LOG_LEVEL: process.env.HOOKGATE_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const platform = await startEmbedded(config, createLogger(config.logLevel));
  return {
    platform,
    admin: new ApiClient(platform.server.url, TEST_ADMIN_TOKEN),
    dataDir: dir.path,
    async stop() {
      await platform.stop();
      dir.remove();
    },
  };
}
