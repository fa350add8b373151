import { isIP } from 'node:net';
import { z } from 'zod';

const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IPv4 or IPv6 address, optionally with a /prefix length, or one of proxy-addr's named ranges. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Express's `trust proxy`, restricted to what cannot be spoofed: `false`, a number of proxy hops,
 * or the proxies' addresses. `true` (trust any X-Forwarded-For) is refused: any client could then
 * pick its own address and escape every per-address limit.
 */
export const trustProxy = z.string().transform((text, ctx): false | number | string[] => {
  const value = text.trim();
  if (value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) {
    if (Number(value) <= 10) return Number(value);
    ctx.addIssue({ code: 'custom', message: 'at most 10 proxy hops' });
    return z.NEVER;
  }
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const bad = entries.find((entry) => !isProxyAddress(entry));
  if (entries.length === 0 || bad !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `${bad === undefined ? `"${value}"` : `"${bad}"`} is not a proxy address: use false, a number of hops, or addresses and subnets (10.0.0.0/8, loopback, linklocal, uniquelocal); true is refused because it lets any client choose its address`,
    });
    return z.NEVER;
  }
  return entries;
});
