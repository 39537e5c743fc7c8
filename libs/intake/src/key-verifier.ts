import type { IngestLimitOverrides } from './tenant-ingest-limiter';

/** Who a presented ingest key belongs to; resolved by the control plane. */
export interface IngestIdentity {
  keyId: string;
  tenantId: string;
  region: string;
  retentionDays: number;
  /** The tenant's ingest limit overrides; cached with the key, so a change applies within intake.keyCacheMs. Absent: the defaults. */
  limits?: IngestLimitOverrides;
}

/** Port to the control plane: resolves a presented key, undefined when unknown or revoked. */
export interface IngestKeyVerifier {
  verify(presentedKey: string): Promise<IngestIdentity | undefined>;
}
export const INGEST_KEY_VERIFIER = Symbol('IngestKeyVerifier');

/**
 * Keeps verification results (positive and negative) for `ttlMs`, so the hot path does not hit
 * the control plane per request, while a revoked key stops working within `ttlMs` everywhere.
 * Concurrent lookups of the same key share one control-plane call.
 */
export class CachingKeyVerifier implements IngestKeyVerifier {
  private readonly cache = new Map<string, { at: number; identity: Promise<IngestIdentity | undefined> }>();

  constructor(
    private readonly inner: IngestKeyVerifier,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  verify(presentedKey: string): Promise<IngestIdentity | undefined> {
    const t = this.now();
    const hit = this.cache.get(presentedKey);
    if (hit && t - hit.at < this.ttlMs) return hit.identity;
    if (this.cache.size >= this.maxEntries) this.cache.clear(); // bounded: a key-guessing flood can't grow memory
    const identity = this.inner.verify(presentedKey);
    this.cache.set(presentedKey, { at: t, identity });
    identity.catch(() => this.cache.delete(presentedKey)); // errors are not cached
    return identity;
  }
}

/** The key from `Authorization: Bearer <key>` or `x-meridian-key: <key>`. */
export function presentedKey(authorization: string | undefined, meridianKey: string | undefined): string | undefined {
  if (meridianKey?.trim()) return meridianKey.trim();
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}
