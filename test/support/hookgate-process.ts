import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/hookgate.js', import.meta.url));

/** The variable that sets the port each command listens on. */
const PORT_VARIABLE: Record<string, string> = {
  start: 'HOOKGATE_PORT',
  gateway: 'HOOKGATE_PORT',
  storage: 'HOOKGATE_STORAGE_PORT',
  processor: 'HOOKGATE_PROCESSOR_PORT',
};

export interface HookgateProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote, for a failing test's message. */
  output: () => string;
  exited: Promise<number | null>;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs `hookgate <command>` (default `start`, exactly as `npm start` does) as a real child
 * process on a free port (unless `env` names one), and resolves once its /healthz answers,
 * whatever its log level.
 */
export async function spawnHookgate(env: Record<string, string>, timeoutMs = 20_000, command = 'start'): Promise<HookgateProcess> {
  const portVariable = PORT_VARIABLE[command] ?? 'HOOKGATE_PORT';
  const port = env[portVariable] ?? String(await freePort());
  const child = spawn(process.execPath, [BIN, command], {
    env: { PATH: process.env.PATH ?? '', HOOKGATE_HOST: '127.0.0.1', HOOKGATE_LOG_LEVEL: 'info', ...env, [portVariable]: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`hookgate ${command} exited with ${exitCode} before listening:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hookgate ${command} did not answer /healthz within ${timeoutMs} ms:\n${output}`);
    }
    const healthy = await fetch(`${url}/healthz`).then((response) => response.ok, () => false);
    if (healthy) return { child, url, output: () => output, exited };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
