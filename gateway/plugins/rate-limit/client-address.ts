import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

/**
 * The budget key of a request's client address: `req.ip`, which follows Express's `trust proxy`
 * (`HOOKGATE_TRUST_PROXY`; by default the connection's own address, never a header), with IPv6
 * addresses grouped by their /56, which one subscriber typically holds whole.
 */
export function clientAddressKey(req: Request): string {
  return `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
}
