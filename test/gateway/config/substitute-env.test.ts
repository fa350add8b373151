import { describe, expect, it } from 'vitest';
import { substituteEnv, typedPlainValue } from '../../../gateway/config/substitute-env.js';

describe('substituteEnv', () => {
  const env = { HOST: 'orders.internal', EMPTY: '', PORT: '9000' };

  it('replaces ${NAME} and ${NAME:-default} like a shell', () => {
    expect(substituteEnv('http://${HOST}:${PORT}/v1', env)).toEqual({ ok: true, value: 'http://orders.internal:9000/v1' });
    expect(substituteEnv('${MISSING:-fallback}', env)).toEqual({ ok: true, value: 'fallback' });
    expect(substituteEnv('${EMPTY:-fallback}', env)).toEqual({ ok: true, value: 'fallback' });
    expect(substituteEnv('${EMPTY}', env)).toEqual({ ok: true, value: '' });
    expect(substituteEnv('${MISSING:-}', env)).toEqual({ ok: true, value: '' });
  });

  it('writes $${ as a literal ${', () => {
    expect(substituteEnv('cost: $${PORT}', env)).toEqual({ ok: true, value: 'cost: ${PORT}' });
  });

  it('names a variable that is unset without a default, and a ${ that starts nothing', () => {
    expect(substituteEnv('${MISSING}', env)).toEqual({ ok: false, message: '${MISSING} is not set and has no default' });
    expect(substituteEnv('${not valid}', env)).toMatchObject({ ok: false, message: expect.stringMatching(/starts no \$\{NAME\}/) });
  });
});

describe('typedPlainValue', () => {
  it('types a whole reference as YAML would read the text, numbers and booleans only', () => {
    expect(typedPlainValue('${PORT}', '9000')).toBe(9000);
    expect(typedPlainValue('${RATIO:-0.5}', '0.5')).toBe(0.5);
    expect(typedPlainValue('${ON}', 'true')).toBe(true);
    expect(typedPlainValue('${SECRET}', 'abc #def')).toBe('abc #def');
    expect(typedPlainValue('${SECRET}', '[1, 2]')).toBe('[1, 2]');
  });

  it('leaves text around a reference a string', () => {
    expect(typedPlainValue('v${PORT}', 'v9000')).toBe('v9000');
  });
});
