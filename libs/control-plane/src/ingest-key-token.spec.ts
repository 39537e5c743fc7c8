import { createHash } from 'node:crypto';
import { displayPrefix, generateKey, hashKey, parseKeyKind } from './ingest-key-token';

describe('ingest key tokens', () => {
  it('carry 32 random bytes after a type prefix', () => {
    const ingest = generateKey('ingest');
    const api = generateKey('api');
    expect(ingest.key).toMatch(/^mrd_ik_[A-Za-z0-9_-]{43}$/);
    expect(api.key).toMatch(/^mrd_at_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(ingest.key.slice(7), 'base64url')).toHaveLength(32);
    expect(new Set(Array.from({ length: 200 }, () => generateKey('ingest').key)).size).toBe(200);
  });

  it('store a SHA-256 hex and a prefix that shows 8 of the 43 random characters', () => {
    const { key, hash, prefix } = generateKey('ingest');
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashKey(key)).toBe(hash);
    expect(prefix).toBe(key.slice(0, 15));
    expect(displayPrefix(key)).toBe(prefix);
  });

  it('parse the kind of well-formed keys only', () => {
    const { key } = generateKey('api');
    expect(parseKeyKind(key)).toBe('api');
    expect(parseKeyKind(generateKey('ingest').key)).toBe('ingest');
    for (const bad of [key + '=', key.slice(1), `mrd_zz_${key.slice(7)}`, `MRD_AT_${key.slice(7)}`, '', undefined, 7, {}]) {
      expect(parseKeyKind(bad)).toBeUndefined();
    }
  });
});
