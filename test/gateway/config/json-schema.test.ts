import { describe, expect, it } from 'vitest';
import { gatewayConfigJsonSchema } from '../../../gateway/config/index.js';

describe('gatewayConfigJsonSchema', () => {
  it('is what gateway/config/gateway-config.schema.json holds (regenerate with `npx vitest run -u test/gateway/config/json-schema.test.ts`)', async () => {
    await expect(`${JSON.stringify(gatewayConfigJsonSchema(), null, 2)}\n`).toMatchFileSnapshot('../../../gateway/config/gateway-config.schema.json');
  });

  it('rejects unknown keys and describes each built-in plugin with its own config schema', () => {
    const schema = gatewayConfigJsonSchema() as {
      additionalProperties: boolean;
      $defs: { plugin: { anyOf: { properties: { name: { const?: string }; config: { additionalProperties?: boolean } } }[] } };
    };
    expect(schema.additionalProperties).toBe(false);
    const entries = schema.$defs.plugin.anyOf;
    expect(entries.map((entry) => entry.properties.name.const)).toEqual(['request-id', 'metrics', 'cors', 'body-limit', 'jwt', 'key-auth', 'rate-limit', 'emit-event', undefined]);
    const rateLimit = entries.find((entry) => entry.properties.name.const === 'rate-limit')!;
    expect(rateLimit.properties.config).toMatchObject({ additionalProperties: false, required: ['limit', 'windowMs'] });
  });
});
