import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';

describe('HOOKGATE_TRUST_PROXY', () => {
  it('trusts no proxy by default, so X-Forwarded-For cannot choose the client address', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it.each([
    ['false', false],
    ['2', 2],
    ['loopback', ['loopback']],
    ['10.0.0.0/8, 192.168.1.7,fd00::/8', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8']],
  ])('accepts %s', (value, expected) => {
    expect(loadConfig({ HOOKGATE_TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['true', '11', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/2'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ HOOKGATE_TRUST_PROXY: value })).toThrow(/HOOKGATE_TRUST_PROXY/);
  });
});

describe('HOOKGATE_AUTH_FAILURE_LIMIT and _WINDOW', () => {
  it('default to 30 failed authentications a minute per client address', () => {
    expect(loadConfig({}).authFailureLimit).toEqual({ limit: 30, windowMs: 60_000 });
    expect(loadConfig({ HOOKGATE_AUTH_FAILURE_LIMIT: '5', HOOKGATE_AUTH_FAILURE_WINDOW: '10s' }).authFailureLimit).toEqual({ limit: 5, windowMs: 10_000 });
  });

  it('refuse a limit below 1', () => {
    expect(() => loadConfig({ HOOKGATE_AUTH_FAILURE_LIMIT: '0' })).toThrow(/HOOKGATE_AUTH_FAILURE_LIMIT/);
  });
});
