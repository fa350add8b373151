import type { App } from '../../shared/types.js';
import type { Page, PageRequest } from './page.js';

export interface AppStore {
  create(app: App): Promise<void>;
  get(id: string): Promise<App | null>;
  list(page: PageRequest): Promise<Page<App>>;
  /** Deletes the app and everything it owns (keys, subscriptions, events, deliveries). Returns false when absent. */
  delete(id: string): Promise<boolean>;
}
