import { describe, expect, it } from 'vitest';
import { KeyHasher, safeEqual } from '../../shared/security/key-hash.js';
import { SecretBox } from '../../shared/security/secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(SecretBox.generateKey());

  it('round-trips a secret and never stores it in the clear', () => {
    const sealed = box.encrypt('whsec_c2VjcmV0');
    expect(sealed).not.toContain('c2VjcmV0');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.decrypt(sealed)).toBe('whsec_c2VjcmV0');
  });

  it('seals the same secret differently each time (fresh IV)', () => {
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
  });

  it('refuses a tampered ciphertext or another key', () => {
    const sealed = box.encrypt('whsec_abc');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
    expect(() => new SecretBox(SecretBox.generateKey()).decrypt(sealed)).toThrow();
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => new SecretBox(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });
});

describe('KeyHasher', () => {
  it('hashes the same credential the same way under one key and differently under another', () => {
    const key = SecretBox.generateKey();
    expect(new KeyHasher(key).hash('hg_abc')).toBe(new KeyHasher(key).hash('hg_abc'));
    expect(new KeyHasher(key).hash('hg_abc')).not.toBe(new KeyHasher(SecretBox.generateKey()).hash('hg_abc'));
    expect(new KeyHasher(key).hash('hg_abc')).not.toContain('hg_abc');
  });

  it('compares in constant time and only equal strings are equal', () => {
    expect(safeEqual('token-a', 'token-a')).toBe(true);
    expect(safeEqual('token-a', 'token-b')).toBe(false);
    expect(safeEqual('token', 'token-longer')).toBe(false);
  });
});
