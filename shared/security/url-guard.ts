import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

/** Ranges a subscription may reach only when `HOOKGATE_ALLOW_PRIVATE_URLS` is on (tests, local development). */
const LOCAL_RANGES = new Set(['loopback', 'private', 'uniqueLocal']);
/** Cloud instance-metadata endpoints, refused even when private URLs are allowed. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);
/** IANA allocates global unicast IPv6 only from 2000::/3; ipaddr.js calls some of the rest (e.g. IPv4-compatible ::7f00:1) "unicast". */
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Why a subscriber may not be reached at this IP address, or null when it may. Only public
 * unicast addresses are allowed; with `allowPrivate`, loopback and private ones too.
 */
export function addressBlockReason(address: string, allowPrivate: boolean): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return `"${address}" is not an IP address`;
  }
  const normalised = parsed.toNormalizedString();
  if (METADATA_ADDRESSES.has(normalised) || METADATA_ADDRESSES.has(parsed.toString())) {
    return `${address} is a cloud metadata address`;
  }
  let range: string = parsed.range();
  if (range === 'unicast' && parsed.kind() === 'ipv6' && !parsed.match(IPV6_GLOBAL_UNICAST)) range = 'reserved';
  if (range === 'unicast') return null;
  if (allowPrivate && LOCAL_RANGES.has(range)) return null;
  return `${address} is a ${range} address, not a public one`;
}

function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * Why a URL's host, when it is a literal IP address, may not be reached; null for an allowed
 * address or a name. A literal address never goes through a DNS lookup, so it is checked here.
 */
export function literalAddressBlockReason(hostname: string, allowPrivate: boolean): string | null {
  const host = unbracketed(hostname);
  return ipaddr.isValid(host) ? addressBlockReason(host, allowPrivate) : null;
}

/**
 * Why a subscription may not target this URL, or null when it may: https only (http too with
 * `allowPrivate`), no literal private or metadata address, no `localhost` names. A host name
 * is checked again after DNS resolution at every delivery (see `guardedLookup`).
 */
export function subscriptionUrlError(text: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  const protocols = allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!protocols.includes(url.protocol)) {
    return allowPrivate ? 'must be an http or https URL' : 'must be an https URL (http is allowed only with HOOKGATE_ALLOW_PRIVATE_URLS)';
  }
  // A fully qualified name ends in a dot ("localhost.") and resolves as the name without it.
  const host = unbracketed(url.hostname).toLowerCase().replace(/\.$/, '');
  if (ipaddr.isValid(host)) return addressBlockReason(host, allowPrivate);
  if (METADATA_HOSTS.has(host)) return `${host} is a cloud metadata host`;
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) return `${host} is a loopback name`;
  return null;
}

/** Raised (as a connection error) when every address a subscriber's host resolves to is refused. */
export class BlockedAddressError extends Error {
  readonly code = 'EHOOKGATEBLOCKED';
  constructor(hostname: string, reasons: string[]) {
    super(`Refused to connect to ${hostname}: ${reasons.join('; ')}`);
    this.name = 'BlockedAddressError';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net.connect` that resolves the host and keeps only the addresses a subscriber
 * may have, so the socket connects to an address that was checked (no re-resolution in
 * between, which DNS rebinding would exploit). A literal IP in the URL never reaches a lookup:
 * check it with `addressBlockReason` before connecting.
 */
export function guardedLookup(allowPrivate: boolean) {
  return function lookupAllowedAddress(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const reasons: string[] = [];
      const allowed = addresses.filter((entry) => {
        const reason = addressBlockReason(entry.address, allowPrivate);
        if (reason !== null) reasons.push(reason);
        return reason === null;
      });
      const first = allowed[0];
      if (first === undefined) return callback(new BlockedAddressError(hostname, reasons), []);
      if (options.all) return callback(null, allowed);
      callback(null, first.address, first.family);
    });
  };
}
