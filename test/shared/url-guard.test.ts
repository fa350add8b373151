import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { addressBlockReason, BlockedAddressError, guardedLookup, subscriptionUrlError } from '../../shared/security/url-guard.js';

/** What a subscription URL gets: null (accepted) or a pattern its error must match. */
type Verdict = null | RegExp;

// [url, without HOOKGATE_ALLOW_PRIVATE_URLS, with it]
const subscriptionCases: [string, Verdict, Verdict][] = [
  // Public endpoints.
  ['https://example.com/hooks', null, null],
  ['https://hooks.example.com:8443/a/b?c=d', null, null],
  ['https://8.8.8.8/hooks', null, null],
  ['https://[2606:4700::1111]/hooks', null, null],
  // Scheme.
  ['http://example.com/hooks', /https/, null],
  ['ftp://example.com/hooks', /https/, /http or https/],
  ['example.com/hooks', /absolute URL/, /absolute URL/],
  ['', /absolute URL/, /absolute URL/],
  // Private, loopback and unique-local ranges: only for tests and local development.
  ['https://10.0.0.1/', /10\.0\.0\.1 is a private address/, null],
  ['https://172.16.0.1/', /private/, null],
  ['https://172.31.255.254/', /private/, null],
  ['https://192.168.1.10/', /private/, null],
  ['https://127.0.0.1/', /loopback/, null],
  ['https://127.9.9.9:8080/', /loopback/, null],
  ['https://[::1]/', /loopback/, null],
  ['https://[fd12:3456::1]/', /uniqueLocal/, null],
  // Other encodings of loopback that the URL parser normalises.
  ['https://2130706433/', /127\.0\.0\.1 is a loopback/, null],
  ['https://0x7f.1/', /127\.0\.0\.1 is a loopback/, null],
  // IPv4-mapped IPv6 is the IPv4 address it maps.
  ['https://[::ffff:127.0.0.1]/', /loopback/, null],
  ['https://[::ffff:10.0.0.1]/', /private/, null],
  // IPv4-compatible (deprecated) and NAT64 / 6to4 forms that embed loopback.
  ['https://[::127.0.0.1]/', /not a public one/, /not a public one/],
  ['https://[64:ff9b::7f00:1]/', /not a public one/, /not a public one/],
  ['https://[2002:7f00:1::]/', /not a public one/, /not a public one/],
  // Never reachable, allowPrivate or not.
  ['https://0.0.0.0/', /unspecified/, /unspecified/],
  ['https://0/', /unspecified/, /unspecified/],
  ['https://[::]/', /unspecified/, /unspecified/],
  ['https://[fe80::1]/', /linkLocal/, /linkLocal/],
  ['https://169.254.1.1/', /linkLocal/, /linkLocal/],
  ['https://100.64.0.1/', /carrierGradeNat/, /carrierGradeNat/],
  ['https://224.0.0.1/', /multicast/, /multicast/],
  ['https://255.255.255.255/', /broadcast/, /broadcast/],
  // Cloud metadata endpoints: refused even when private URLs are allowed.
  ['https://169.254.169.254/latest/meta-data/', /metadata address/, /metadata address/],
  ['http://169.254.169.254/latest/meta-data/', /https|metadata/, /metadata address/],
  ['https://169.254.170.2/', /metadata address/, /metadata address/],
  ['https://100.100.100.200/', /metadata address/, /metadata address/],
  ['https://[fd00:ec2::254]/', /metadata address/, /metadata address/],
  ['https://[fd00:ec2:0:0::254]/', /metadata address/, /metadata address/],
  ['https://[::ffff:a9fe:a9fe]/', /metadata address/, /metadata address/],
  ['https://[::ffff:169.254.169.254]/', /metadata address/, /metadata address/],
  ['https://metadata.google.internal/computeMetadata/v1/', /metadata host/, /metadata host/],
  ['https://METADATA.Google.Internal/', /metadata host/, /metadata host/],
  ['https://metadata.google.internal./', /metadata host/, /metadata host/],
  ['https://metadata.goog/', /metadata host/, /metadata host/],
  ['https://metadata/', /metadata host/, /metadata host/],
  // Loopback names.
  ['https://localhost/', /localhost is a loopback name/, null],
  ['https://LOCALHOST:3000/', /loopback name/, null],
  ['https://localhost./', /loopback name/, null],
  ['https://api.localhost/', /loopback name/, null],
  ['http://localhost:3000/hooks', /https/, null],
];

describe('subscriptionUrlError', () => {
  it.each(subscriptionCases)('%s', (url, strict, permissive) => {
    const check = (verdict: Verdict, allowPrivate: boolean) => {
      const error = subscriptionUrlError(url, allowPrivate);
      if (verdict === null) expect(error, `allowPrivate=${allowPrivate}`).toBeNull();
      else expect(error, `allowPrivate=${allowPrivate}`).toMatch(verdict);
    };
    check(strict, false);
    check(permissive, true);
  });

  it('accepts a host name that only looks like a local one', () => {
    expect(subscriptionUrlError('https://localhost.example.com/', false)).toBeNull();
    expect(subscriptionUrlError('https://my-metadata.example.com/', false)).toBeNull();
  });
});

// [address, without allowPrivate, with it]
const addressCases: [string, Verdict, Verdict][] = [
  ['93.184.215.14', null, null],
  ['1.1.1.1', null, null],
  ['2606:4700:4700::1111', null, null],
  ['127.0.0.1', /127\.0\.0\.1 is a loopback address/, null],
  ['127.0.0.53', /loopback/, null],
  ['::1', /loopback/, null],
  ['10.255.0.1', /private/, null],
  ['172.20.1.1', /private/, null],
  ['192.168.0.1', /private/, null],
  ['fd00::1', /uniqueLocal/, null],
  ['::ffff:127.0.0.1', /loopback/, null],
  ['::ffff:7f00:1', /loopback/, null],
  ['::ffff:192.168.0.1', /private/, null],
  ['172.15.255.255', null, null],
  ['172.32.0.1', null, null],
  ['::7f00:1', /not a public one/, /not a public one/],
  ['::2', /not a public one/, /not a public one/],
  ['0.0.0.0', /unspecified/, /unspecified/],
  ['::', /unspecified/, /unspecified/],
  ['169.254.10.10', /linkLocal/, /linkLocal/],
  ['fe80::abcd', /linkLocal/, /linkLocal/],
  ['100.64.1.1', /carrierGradeNat/, /carrierGradeNat/],
  ['239.1.2.3', /multicast/, /multicast/],
  ['ff02::1', /multicast/, /multicast/],
  ['2001:db8::1', /not a public one/, /not a public one/],
  ['169.254.169.254', /metadata/, /metadata/],
  ['::ffff:169.254.169.254', /metadata/, /metadata/],
  ['::ffff:a9fe:a9fe', /metadata/, /metadata/],
  ['fd00:ec2::254', /metadata/, /metadata/],
  ['fd00:0ec2:0000:0000:0000:0000:0000:0254', /metadata/, /metadata/],
  ['100.100.100.200', /metadata/, /metadata/],
  ['example.com', /not an IP address/, /not an IP address/],
  ['', /not an IP address/, /not an IP address/],
];

describe('addressBlockReason', () => {
  it.each(addressCases)('%s', (address, strict, permissive) => {
    const check = (verdict: Verdict, allowPrivate: boolean) => {
      const reason = addressBlockReason(address, allowPrivate);
      if (verdict === null) expect(reason, `allowPrivate=${allowPrivate}`).toBeNull();
      else expect(reason, `allowPrivate=${allowPrivate}`).toMatch(verdict);
    };
    check(strict, false);
    check(permissive, true);
  });
});

describe('guardedLookup (real resolver)', () => {
  function lookup(hostname: string, allowPrivate: boolean, all: boolean) {
    return new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
      guardedLookup(allowPrivate)(hostname, { all }, (error, address, family) => resolve({ error, address, family })),
    );
  }

  it('refuses localhost when private addresses are not allowed, naming the refused address', async () => {
    for (const all of [false, true]) {
      const { error } = await lookup('localhost', false, all);
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error?.code).toBe('EHOOKGATEBLOCKED');
      expect(error?.message).toMatch(/localhost/);
      expect(error?.message).toMatch(/(127\.0\.0\.1|::1) is a loopback address/);
    }
  });

  it('returns only checked loopback addresses for localhost when private addresses are allowed', async () => {
    const single = await lookup('localhost', true, false);
    expect(single.error).toBeNull();
    expect(addressBlockReason(single.address as string, false)).toMatch(/loopback/);
    expect([4, 6]).toContain(single.family);

    const all = await lookup('localhost', true, true);
    expect(all.error).toBeNull();
    expect((all.address as LookupAddress[]).length).toBeGreaterThan(0);
    for (const entry of all.address as LookupAddress[]) expect(addressBlockReason(entry.address, true)).toBeNull();
  });

  it('passes a resolver error through', async () => {
    const { error } = await lookup('no-such-host.invalid', true, false);
    expect(error).not.toBeNull();
    expect(error).not.toBeInstanceOf(BlockedAddressError);
  });
});
