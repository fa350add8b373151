import { z } from 'zod';
import { idParam, pageOf, pageQueryShape, timestamp } from './common-schemas.js';

export const appCreateSchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export const appSchema = z.object({ id: z.string(), name: z.string(), createdAt: timestamp });
export const appPageSchema = pageOf(appSchema);

export const appParams = z.object({ appId: idParam('app', 'App id (app_...)') }).strict();
export const appKeyParams = z.object({ appId: idParam('app', 'App id (app_...)'), keyId: idParam('key', 'Key id (key_...)') }).strict();

export const appListQuery = z.object(pageQueryShape).strict();

/** A key as listed: never the key itself nor its hash. */
export const apiKeySchema = z.object({
  id: z.string(),
  appId: z.string(),
  prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart' }),
  createdAt: timestamp,
});
export const apiKeyListSchema = z.object({ data: z.array(apiKeySchema) });

/** The one answer that carries the key: it is not stored and cannot be shown again. */
export const apiKeyCreatedSchema = z.object({
  id: z.string(),
  key: z.string().meta({ description: 'The API key (hg_...); shown only here' }),
  prefix: z.string(),
  createdAt: timestamp,
});
