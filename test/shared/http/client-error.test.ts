import { describe, expect, it } from 'vitest';
import { clientErrorResponse } from '../../../shared/http/client-error.js';

function parse(raw: string) {
  const split = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { statusLine, headers, body: JSON.parse(raw.slice(split + 4)) as Record<string, unknown>, bodyBytes: Buffer.byteLength(raw.slice(split + 4)) };
}

const error = (code: string, message = 'Parse Error', rawPacket?: Buffer) => Object.assign(new Error(message), { code, rawPacket });

describe('clientErrorResponse', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 'HTTP/1.1 431 Request Header Fields Too Large', 'headers-too-large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 'HTTP/1.1 408 Request Timeout', 'request-timeout'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 'HTTP/1.1 413 Payload Too Large', 'payload-too-large'],
    ['HPE_INVALID_METHOD', 'HTTP/1.1 400 Bad Request', 'bad-request'],
  ])('answers %s as a complete problem+json message that closes the connection', (code, statusLine, slug) => {
    const answer = parse(clientErrorResponse(error(code)));
    expect(answer.statusLine).toBe(statusLine);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(Number(answer.headers['content-length'])).toBe(answer.bodyBytes);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toMatchObject({ type: `https://hookgate.dev/problems/${slug}`, status: Number(statusLine.split(' ')[1]) });
  });

  it("names llhttp's reason for a request that is not valid HTTP", () => {
    expect(parse(clientErrorResponse(error('HPE_INVALID_HEADER_TOKEN', 'Parse Error: Invalid header value char'))).body.detail).toBe(
      'The request is not valid HTTP/1.1: Invalid header value char.',
    );
  });

  it('answers a HEAD request with the status and headers only', () => {
    const raw = clientErrorResponse(error('HPE_HEADER_OVERFLOW', 'Parse Error', Buffer.from('HEAD /v1/events HTTP/1.1\r\n')));
    expect(raw.startsWith('HTTP/1.1 431 ')).toBe(true);
    expect(raw.endsWith('\r\n\r\n')).toBe(true);
  });
});
