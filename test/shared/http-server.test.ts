import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KEEP_ALIVE_TIMEOUT_MS, startHttpServer, type RunningServer } from '../../shared/http/http-server.js';

/** A raw keep-alive connection, so the test decides exactly when each request goes out on it. */
class RawConnection {
  #buffer = '';
  #ended = false;
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.#buffer += chunk));
    socket.on('end', () => (this.#ended = true));
    socket.on('error', () => (this.#ended = true));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Sends a GET and resolves with the whole answer (head and a short body), or rejects if the connection ends first. */
  async get(path: string): Promise<string> {
    this.#buffer = '';
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
    const deadline = Date.now() + 5_000;
    while (!/\r\n\r\n[\s\S]*ok$/.test(this.#buffer)) {
      if (this.#ended) throw new Error(`connection ended before the answer: ${JSON.stringify(this.#buffer)}`);
      if (Date.now() > deadline) throw new Error('no answer within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.#buffer;
  }
}

describe('startHttpServer', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close(100);
    running = undefined;
  });

  it('keeps an idle connection longer than the clients in front of it (60 s load balancers) and says so', async () => {
    running = await startHttpServer((_req, res) => res.end('ok'), 0, '127.0.0.1');
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(running.server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(running.server.headersTimeout).toBeLessThanOrEqual(running.server.requestTimeout);
    const connection = await RawConnection.open(running.port);
    expect(await connection.get('/')).toMatch(new RegExp(`\r\nKeep-Alive: timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}\r\n`, 'i'));
    connection.socket.destroy();
  });

  it('still serves a connection idle for 6.5 s, which Node’s default keep-alive closed (the broker fault test’s flake)', { timeout: 15_000 }, async () => {
    running = await startHttpServer((_req, res) => res.end('ok'), 0, '127.0.0.1');
    const connection = await RawConnection.open(running.port);
    await connection.get('/first');
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    expect(connection.ended).toBe(false);
    expect(await connection.get('/second')).toMatch(/^HTTP\/1\.1 200/);
    connection.socket.destroy();
  });

  it('closes idle connections at once and a busy one as soon as its answer is sent, not after the keep-alive', async () => {
    running = await startHttpServer((_req, res) => setTimeout(() => res.end('ok'), 200), 0, '127.0.0.1');
    const idle = await RawConnection.open(running.port);
    await idle.get('/idle');
    const busy = await RawConnection.open(running.port);
    const answer = busy.get('/busy');
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await running.close(10_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await answer).toMatch(/^HTTP\/1\.1 200/);
    expect(idle.ended).toBe(true);
    running = undefined;
  });
});
