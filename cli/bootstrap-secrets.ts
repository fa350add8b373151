import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HookgateConfig } from '../shared/config/index.js';
import { ConfigError } from '../shared/errors/index.js';
import { safeEqual } from '../shared/security/key-hash.js';
import { SecretBox } from '../shared/security/secret-box.js';

const KEY_FILE = 'encryption.key';
const ADMIN_HASH_FILE = 'admin-token.sha256';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The key that seals secrets at rest: `HOOKGATE_ENCRYPTION_KEY`, or in embedded mode a key
 * generated into the data dir on first start (mode 0600) and read back afterwards.
 */
export function resolveEncryptionKey(config: HookgateConfig): string {
  if (config.encryptionKey) return config.encryptionKey;
  if (config.mode === 'distributed') {
    throw new ConfigError('HOOKGATE_ENCRYPTION_KEY: required in distributed mode (every tier must share it)');
  }
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, KEY_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = SecretBox.generateKey();
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

export interface AdminCredential {
  isAdminToken: (token: string) => boolean;
  /** Set only on the embedded first start that generated it: show it once, it is not kept. */
  generatedToken?: string;
}

/**
 * The operator's bearer token: `HOOKGATE_ADMIN_TOKEN`, or in embedded mode one generated on the
 * first start, of which only the SHA-256 hash is kept in the data dir.
 */
export function resolveAdminCredential(config: HookgateConfig): AdminCredential {
  if (config.adminToken) {
    const expected = sha256(config.adminToken);
    return { isAdminToken: (token) => safeEqual(sha256(token), expected) };
  }
  if (config.mode === 'distributed') {
    throw new ConfigError('HOOKGATE_ADMIN_TOKEN: required in distributed mode');
  }
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, ADMIN_HASH_FILE);
  let generatedToken: string | undefined;
  if (!existsSync(file)) {
    generatedToken = 'hgadm_' + randomBytes(32).toString('base64url');
    writeFileSync(file, sha256(generatedToken) + '\n', { mode: 0o600, flag: 'wx' });
  }
  const expected = readFileSync(file, 'utf8').trim();
  return { isAdminToken: (token) => safeEqual(sha256(token), expected), generatedToken };
}
