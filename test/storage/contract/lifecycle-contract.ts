import { beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../../shared/types.js';
import type { Storage } from '../../../storage/ports/index.js';
import type { ContractContext } from './fixtures.js';

/** Storage lifecycle. */
export function describeLifecycleContract(context: ContractContext): void {
  describe('lifecycle', () => {
    let storage: Storage;
    let app: App;
    beforeEach(() => {
      ({ storage, app } = context);
    });

    it('answers ping once started, and a second start changes nothing', async () => {
      expect(await storage.ping()).toBe(true);
      await storage.start();
      expect(await storage.apps.get(app.id)).toEqual(app);
    });
  });
}
