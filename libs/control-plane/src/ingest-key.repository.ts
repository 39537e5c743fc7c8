import type { IngestKeyRecord, KeyIdentity, KeyKind } from './control-plane-schema';
import { generateKey, hashKey, parseKeyKind } from './ingest-key-token';
import { isForeignKeyViolation, isUuid } from './postgres-errors';
import type { ControlPlaneExecutor } from './control-plane-db';
import { ControlPlaneRepository } from './control-plane-transactions';
import { toOverrides } from './tenant-limits.repository';

export interface IngestKeyRepositoryOptions {
  /** Injected so tests control time (default: the system clock). */
  now?: () => Date;
  /** `last_used_at` is written at most once per this interval per key (default 60 s). */
  lastUsedResolutionMs?: number;
}

const RECORD_COLUMNS = ['id', 'tenant_id', 'name', 'prefix', 'kind', 'created_at', 'last_used_at', 'revoked_at'] as const;

/**
 * Ingest and api keys. The full key exists only in the return value of `create`; the table
 * holds its SHA-256 and a short display prefix. A presented key is found by its hash (an
 * indexed equality lookup), so no code path ever compares secrets, and nothing an attacker
 * can time depends on how much of a key matched.
 */
export class IngestKeyRepository extends ControlPlaneRepository {
  readonly #now: () => Date;
  readonly #resolutionMs: number;

  constructor(source: ControlPlaneExecutor, options: IngestKeyRepositoryOptions = {}) {
    super(source);
    this.#now = options.now ?? (() => new Date());
    this.#resolutionMs = options.lastUsedResolutionMs ?? 60_000;
  }

  /** Returns the full key exactly once; only its hash and prefix are stored. */
  async create(tenantId: string, input: { name: string; kind?: KeyKind }): Promise<{ key: string; record: IngestKeyRecord }> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw new Error('name: a key name must be 1–100 characters');
    if (!isUuid(tenantId)) throw new Error(`tenantId: "${tenantId}" is not a tenant id (uuid)`);
    const generated = generateKey(input.kind ?? 'ingest');
    try {
      const row = await this.db
        .insertInto('ingest_keys')
        .values({ tenant_id: tenantId, name, prefix: generated.prefix, key_hash: generated.hash, kind: generated.kind })
        .returning(RECORD_COLUMNS)
        .executeTakeFirstOrThrow();
      return { key: generated.key, record: toRecord(row) };
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new Error(`tenantId: tenant ${tenantId} does not exist`, { cause: err });
      throw err;
    }
  }

  /**
   * Resolves a presented key to its tenant: undefined when malformed (decided before any
   * query), unknown, revoked, or of another kind. Updates last_used_at at most once per
   * resolution interval per key, not on every call.
   */
  async verify(presentedKey: string, kind: KeyKind = 'ingest'): Promise<KeyIdentity | undefined> {
    if (parseKeyKind(presentedKey) !== kind) return undefined;
    const row = await this.db
      .selectFrom('ingest_keys as k')
      .innerJoin('tenants as t', 't.id', 'k.tenant_id')
      // The limits ride along with the key lookup intake does anyway: no second query per request.
      .leftJoin('tenant_ingest_limits as l', 'l.tenant_id', 'k.tenant_id')
      .select(['k.id', 'k.tenant_id', 'k.kind', 'k.last_used_at', 't.slug', 't.region', 't.retention_days'])
      .select(['l.spans_per_second', 'l.data_points_per_second', 'l.log_records_per_second', 'l.bytes_per_second'])
      .where('k.key_hash', '=', hashKey(presentedKey))
      .where('k.kind', '=', kind)
      .where('k.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;

    const now = this.#now();
    const staleBefore = new Date(now.getTime() - this.#resolutionMs);
    if (row.last_used_at === null || row.last_used_at < staleBefore) {
      // The guard in SQL keeps concurrent verifies (other processes too) to one write.
      await this.db
        .updateTable('ingest_keys')
        .set({ last_used_at: now })
        .where('id', '=', row.id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
        .execute();
    }
    return {
      keyId: row.id,
      tenantId: row.tenant_id,
      tenantSlug: row.slug,
      region: row.region,
      retentionDays: row.retention_days,
      kind: row.kind,
      limits: toOverrides(row),
    };
  }

  /** All keys of a tenant, revoked ones included, newest first; never the hashes. */
  async listForTenant(tenantId: string): Promise<IngestKeyRecord[]> {
    if (!isUuid(tenantId)) return [];
    const rows = await this.db
      .selectFrom('ingest_keys')
      .select(RECORD_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** The key, now revoked, when it was active; undefined when unknown, of another tenant, or already revoked. */
  async revoke(tenantId: string, keyId: string): Promise<IngestKeyRecord | undefined> {
    if (!isUuid(tenantId) || !isUuid(keyId)) return undefined;
    const row = await this.db
      .updateTable('ingest_keys')
      .set((eb) => ({ revoked_at: eb.fn<Date>('now') }))
      .where('id', '=', keyId)
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .returning(RECORD_COLUMNS)
      .executeTakeFirst();
    return row && toRecord(row);
  }
}

interface RecordRow {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  kind: KeyKind;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function toRecord(row: RecordRow): IngestKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    prefix: row.prefix,
    kind: row.kind,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
