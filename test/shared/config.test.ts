import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment, in embedded mode', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('embedded');
    expect(config.port).toBe(8080);
    expect(config.allowPrivateUrls).toBe(false);
    expect(config.delivery.retryScheduleMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(config.delivery.timeoutMs).toBe(15_000);
    expect(config.secretRotationGraceMs).toBe(24 * 3600_000);
    expect(config.storageUrl).toBe('http://127.0.0.1:8081');
  });

  it('is frozen, so no tier can change it after start-up', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.delivery.retryScheduleMs)).toBe(true);
  });

  it('reads durations, lists and switches', () => {
    const config = loadConfig({
      HOOKGATE_RETRY_SCHEDULE: '100ms, 2s,1m',
      HOOKGATE_DELIVERY_TIMEOUT: '500ms',
      HOOKGATE_ALLOW_PRIVATE_URLS: 'true',
      HOOKGATE_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    });
    expect(config.delivery.retryScheduleMs).toEqual([100, 2000, 60_000]);
    expect(config.delivery.timeoutMs).toBe(500);
    expect(config.allowPrivateUrls).toBe(true);
    expect(config.mode).toBe('distributed');
  });

  it('stops with a message naming every wrong variable', () => {
    const load = () =>
      loadConfig({
        HOOKGATE_PORT: 'eighty',
        HOOKGATE_RETRY_SCHEDULE: '5s,soon',
        HOOKGATE_AMQP_URL: 'http://not-amqp',
        HOOKGATE_ENCRYPTION_KEY: 'c2hvcnQ=',
      });
    expect(load).toThrow(ConfigError);
    const message = (() => {
      try {
        load();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of ['HOOKGATE_PORT', 'HOOKGATE_RETRY_SCHEDULE', 'HOOKGATE_AMQP_URL', 'HOOKGATE_ENCRYPTION_KEY']) {
      expect(message).toContain(name);
    }
    expect(message).toContain('"soon" is not a duration');
  });

  it('refuses an unknown HOOKGATE_ variable so a typo cannot pass silently', () => {
    expect(() => loadConfig({ HOOKGATE_RETRY_SCHEDUEL: '1s' })).toThrow(/HOOKGATE_RETRY_SCHEDUEL: unknown variable/);
  });

  it('ignores variables of other programs', () => {
    expect(loadConfig({ PATH: '/bin', NODE_ENV: 'production' }).port).toBe(8080);
  });
});
