import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/hookgate.js', import.meta.url));

export interface HookgateProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote, for a failing test's message. */
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs `hookgate <command>` (default `start`, exactly as `npm start` does) as a real child
 * process, and resolves once it logs that it listens (on the port it was given, or a free one:
 * every port defaults to 0 here).
 */
export async function spawnHookgate(env: Record<string, string>, timeoutMs = 20_000, command = 'start'): Promise<HookgateProcess> {
  const child = spawn(process.execPath, [BIN, command], {
    env: {
      PATH: process.env.PATH ?? '',
      HOOKGATE_HOST: '127.0.0.1',
      HOOKGATE_PORT: '0',
      HOOKGATE_STORAGE_PORT: '0',
      HOOKGATE_PROCESSOR_PORT: '0',
      ...env,
      // The helper waits for the info-level "hookgate is listening" line.
      HOOKGATE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hookgate did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"hookgate is listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hookgate exited with ${code} before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}
