import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

/**
 * A webhook receiver for trying hookgate out: prints every webhook it gets and, when
 * WEBHOOK_SECRET is set, verifies its signature with the standardwebhooks library, as a
 * subscriber's own code would.
 *
 *   WEBHOOK_SECRET=whsec_... PORT=9000 npm run receiver
 */
const port = Number(process.env.PORT ?? 9000);
const secret = process.env.WEBHOOK_SECRET;
const verifier = secret ? new Webhook(secret) : undefined;

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let verdict = 'not checked (set WEBHOOK_SECRET)';
    if (verifier) {
      try {
        verifier.verify(body, req.headers as Record<string, string>);
        verdict = 'valid';
      } catch (error) {
        verdict = `INVALID: ${(error as Error).message}`;
      }
    }
    process.stdout.write(
      `${req.method} ${req.url}\n  webhook-id: ${req.headers['webhook-id']}\n  signature: ${verdict}\n  body: ${body}\n\n`,
    );
    res.writeHead(verdict.startsWith('INVALID') ? 400 : 204).end();
  });
}).listen(port, '127.0.0.1', () => process.stdout.write(`receiving webhooks on http://127.0.0.1:${port}/\n`));
