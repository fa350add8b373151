import { execFileSync } from 'node:child_process';

/**
 * The path of the command `name`; throws, saying how to install it, when it is not on PATH.
 * Tests that need a tool call this so that a machine without it fails loudly instead of
 * skipping what the tool checks.
 */
export function requireBinary(name: string, howToInstall: string): string {
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed, so this test cannot run: ${howToInstall}`);
  }
}
