import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../shared/ids.js';
import type { App } from '../../../shared/types.js';
import type { Storage } from '../../../storage/ports/index.js';
import { anApp, collectPages, type ContractContext } from './fixtures.js';

/** App store. */
export function describeAppsContract(context: ContractContext): void {
  describe('apps', () => {
    let storage: Storage;
    let app: App;
    let other: App;
    beforeEach(() => {
      ({ storage, app, other } = context);
    });

    it('creates, reads and deletes an app; an absent one is null', async () => {
      expect(await storage.apps.get(app.id)).toEqual(app);
      expect(await storage.apps.get(newId('app'))).toBeNull();
      expect(await storage.apps.delete(app.id)).toBe(true);
      expect(await storage.apps.get(app.id)).toBeNull();
      expect(await storage.apps.delete(app.id)).toBe(false);
    });

    it('refuses a second app with the same id as a conflict', async () => {
      await expect(storage.apps.create({ ...app, name: 'copy' })).rejects.toMatchObject({ code: 'HG_ERR_CONFLICT' });
      expect(await storage.apps.get(app.id)).toEqual(app);
    });

    it('lists every app once, in id order, across pages', async () => {
      const more = [anApp('a'), anApp('b'), anApp('c')];
      for (const created of more) await storage.apps.create(created);
      const pages = await collectPages((cursor) => storage.apps.list({ limit: 2, cursor }), 2);
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat().map((listed) => listed.id)).toEqual([app, other, ...more].map((created) => created.id));
    });
  });
}
