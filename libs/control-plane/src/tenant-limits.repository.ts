import type { Kysely } from 'kysely';
import { INGEST_LIMIT_FIELDS, INGEST_LIMIT_MAXIMA, type IngestLimitField } from '@meridian/domain';
import type { ControlPlaneSchema, TenantIngestLimitOverrides } from './control-plane-schema';
import { ControlPlaneRepository } from './control-plane-transactions';
import { AuditLogRepository } from './audit-log.repository';
import { isForeignKeyViolation, isUuid } from './postgres-errors';
import { TenantInputError, type TenantInputIssue } from './tenant.dto';

export const TENANT_INGEST_LIMIT_FIELDS = INGEST_LIMIT_FIELDS;
export type TenantIngestLimitField = IngestLimitField;
export const TENANT_INGEST_LIMIT_MAXIMA = INGEST_LIMIT_MAXIMA;

export const NO_INGEST_LIMIT_OVERRIDES: Readonly<TenantIngestLimitOverrides> = Object.freeze({
  spansPerSecond: null,
  dataPointsPerSecond: null,
  logRecordsPerSecond: null,
  bytesPerSecond: null,
});

/**
 * Checks overrides from the outside (API body, CLI flags): each field a whole number from 1 to
 * its maximum, or null for "the configured default". Every bad field is named at once.
 */
export function validateIngestLimitOverrides(input: unknown): TenantIngestLimitOverrides {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TenantInputError([{ field: '(input)', message: `expected an object with ${TENANT_INGEST_LIMIT_FIELDS.join(', ')}` }]);
  }
  const record = input as Record<string, unknown>;
  const issues: TenantInputIssue[] = [];
  const out: Record<string, number | null> = {};
  for (const field of Object.keys(record)) {
    if (!(TENANT_INGEST_LIMIT_FIELDS as readonly string[]).includes(field)) {
      issues.push({ field, message: `is not an ingest limit; known limits: ${TENANT_INGEST_LIMIT_FIELDS.join(', ')}` });
    }
  }
  for (const field of TENANT_INGEST_LIMIT_FIELDS) {
    const value = record[field];
    const max = TENANT_INGEST_LIMIT_MAXIMA[field];
    if (value === null || value === undefined) out[field] = null;
    else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      issues.push({ field, message: `must be a whole number from 1 to ${max}, or null for the configured default (got ${JSON.stringify(value)})` });
    } else out[field] = value;
  }
  if (issues.length > 0) throw new TenantInputError(issues);
  return out as unknown as TenantIngestLimitOverrides;
}

/**
 * The operator's per-tenant overrides of the configured ingest limits. Intake does not read
 * this: it gets the same columns with each key lookup (`IngestKeyRepository.verify`).
 */
export class TenantLimitsRepository extends ControlPlaneRepository {
  /** All null when the tenant has no overrides (or is unknown). */
  async get(tenantId: string): Promise<TenantIngestLimitOverrides> {
    if (!isUuid(tenantId)) return { ...NO_INGEST_LIMIT_OVERRIDES };
    const row = await this.db.selectFrom('tenant_ingest_limits').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return toOverrides(row);
  }

  /**
   * Replaces the tenant's overrides (null fields: back to the default) and audits the change
   * with the values before and after, in one transaction. Throws a TenantInputError naming the
   * field for a bad value or an unknown tenant.
   */
  async set(tenantId: string, overrides: TenantIngestLimitOverrides, actor: string): Promise<TenantIngestLimitOverrides> {
    const valid = validateIngestLimitOverrides(overrides);
    if (!isUuid(tenantId)) throw new TenantInputError([{ field: 'tenantId', message: `"${tenantId}" is not a tenant id (uuid)` }]);
    if (actor.trim() === '') throw new TenantInputError([{ field: 'actor', message: 'must name who does this (e.g. "operator:cli:alice")' }]);
    const work = async (trx: Kysely<ControlPlaneSchema>) => {
      const before = await new TenantLimitsRepository(trx).get(tenantId);
      const columns = {
        spans_per_second: valid.spansPerSecond,
        data_points_per_second: valid.dataPointsPerSecond,
        log_records_per_second: valid.logRecordsPerSecond,
        bytes_per_second: valid.bytesPerSecond,
        updated_by: actor,
      };
      const row = await trx
        .insertInto('tenant_ingest_limits')
        .values({ tenant_id: tenantId, ...columns })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet((eb) => ({ ...columns, updated_at: eb.fn<Date>('now') })))
        .returningAll()
        .executeTakeFirstOrThrow();
      const after = toOverrides(row);
      await new AuditLogRepository(trx).record({
        tenantId,
        actor,
        action: 'tenant.ingest_limits_update',
        target: `tenant:${tenantId}`,
        details: { before, after },
      });
      return after;
    };
    try {
      return await (this.db.isTransaction ? work(this.db) : this.db.transaction().execute(work));
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new TenantInputError([{ field: 'tenantId', message: `tenant ${tenantId} does not exist` }]);
      throw err;
    }
  }
}

interface OverrideColumns {
  spans_per_second: number | null;
  data_points_per_second: number | null;
  log_records_per_second: number | null;
  bytes_per_second: string | number | null;
}

/** Row (or LEFT JOIN columns, or no row) → overrides; bigint arrives as a string. */
export function toOverrides(row: OverrideColumns | undefined): TenantIngestLimitOverrides {
  if (!row) return { ...NO_INGEST_LIMIT_OVERRIDES };
  return {
    spansPerSecond: row.spans_per_second,
    dataPointsPerSecond: row.data_points_per_second,
    logRecordsPerSecond: row.log_records_per_second,
    bytesPerSecond: row.bytes_per_second === null ? null : Number(row.bytes_per_second),
  };
}
