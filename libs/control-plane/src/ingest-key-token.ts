import { createHash, randomBytes } from 'node:crypto';
import type { KeyKind } from './control-plane-schema';

/**
 * Key format: `mrd_ik_` (ingest) or `mrd_at_` (api) + 43 base64url characters of 32 random
 * bytes. The type prefix lets intake reject an api key (and secret scanners spot a leaked key)
 * without a lookup; the random part carries all 256 bits.
 */
export const KEY_PREFIX: Readonly<Record<KeyKind, string>> = { ingest: 'mrd_ik_', api: 'mrd_at_' };

const RANDOM_BYTES = 32;
const RANDOM_CHARS = 43; // ceil(32 * 8 / 6), base64url without padding
/** Characters of the random part kept (and shown) in the stored prefix: 48 of 256 bits. */
const SHOWN_RANDOM_CHARS = 8;
const KEY_PATTERN = /^mrd_(ik|at)_[A-Za-z0-9_-]{43}$/;
const KIND_BY_TAG: Readonly<Record<string, KeyKind>> = { ik: 'ingest', at: 'api' };

export interface GeneratedKey {
  /** The full key: shown to the user once, never stored. */
  key: string;
  /** Stored and shown in key lists. */
  prefix: string;
  /** SHA-256 hex of the full key: the only stored form of the secret. */
  hash: string;
  kind: KeyKind;
}

export function generateKey(kind: KeyKind): GeneratedKey {
  const key = KEY_PREFIX[kind] + randomBytes(RANDOM_BYTES).toString('base64url');
  return { key, prefix: displayPrefix(key), hash: hashKey(key), kind };
}

/** The key's kind when it is well formed, else undefined. Pure: no lookup, no timing on secrets. */
export function parseKeyKind(presented: unknown): KeyKind | undefined {
  if (typeof presented !== 'string' || presented.length !== KEY_PREFIX.ingest.length + RANDOM_CHARS) return undefined;
  const match = KEY_PATTERN.exec(presented);
  return match ? KIND_BY_TAG[match[1]] : undefined;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.ingest.length + SHOWN_RANDOM_CHARS);
}

/** A session or invitation token: 256 random bits for the user, only its SHA-256 for the table. */
export function generateOpaqueToken(): { token: string; hash: string } {
  const token = randomBytes(RANDOM_BYTES).toString('base64url');
  return { token, hash: hashKey(token) };
}
