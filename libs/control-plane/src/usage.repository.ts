import { sql } from 'kysely';
import { USAGE_SIGNALS, type UsageDelta } from './control-plane-schema';
import { ControlPlaneRepository } from './control-plane-transactions';
import { isUuid } from './postgres-errors';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const COUNTERS = ['acceptedItems', 'acceptedBytes', 'rejectedItems', 'throttledItems', 'throttledBytes'] as const;
/** 8 parameters a row; PostgreSQL allows 65,535 per statement. */
const ROWS_PER_STATEMENT = 5_000;

/** The UTC day of an instant, YYYY-MM-DD: the unit usage is metered (and billed) in. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** True for a real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export function isUtcDay(value: unknown): value is string {
  if (typeof value !== 'string' || !DAY.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && utcDay(parsed) === value;
}

/**
 * Metered ingest usage per tenant, UTC day and signal: the basis for billing. Intakes keep
 * counts in memory and flush them here; each flush adds to the stored rows in one statement,
 * so any number of intakes can flush concurrently without losing or double-counting.
 */
export class UsageRepository extends ControlPlaneRepository {
  /**
   * Adds the deltas to the stored counters (`x = x + excluded.x`). Deltas for the same tenant,
   * day and signal are summed first (PostgreSQL refuses to update one row twice in a statement).
   * Deltas of tenants that do not exist (deleted since, or not a uuid) are dropped, so one stale
   * tenant cannot make a whole flush fail for ever. A malformed delta (bad day, signal or
   * counter) is a programming error and throws, naming the field.
   */
  async add(deltas: readonly UsageDelta[]): Promise<void> {
    const merged = new Map<string, UsageDelta>();
    for (const delta of deltas) {
      assertDelta(delta);
      if (!isUuid(delta.tenantId)) continue;
      const key = `${delta.tenantId.toLowerCase()}|${delta.day}|${delta.signal}`;
      const into = merged.get(key);
      if (!into) merged.set(key, { ...delta, tenantId: delta.tenantId.toLowerCase() });
      else for (const counter of COUNTERS) into[counter] += delta[counter];
    }
    // One order for every writer: concurrent flushes then lock shared rows in the same order
    // instead of deadlocking on PostgreSQL.
    const rows = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await this.#upsert(rows.slice(i, i + ROWS_PER_STATEMENT));
  }

  async #upsert(rows: readonly UsageDelta[]): Promise<void> {
    if (rows.length === 0) return;
    const values = sql.join(
      rows.map(
        (d) =>
          sql`(${d.tenantId}::uuid, ${d.day}::date, ${d.signal}::text, ${d.acceptedItems}::bigint, ${d.acceptedBytes}::bigint, ${d.rejectedItems}::bigint, ${d.throttledItems}::bigint, ${d.throttledBytes}::bigint)`,
      ),
    );
    await sql`
      insert into tenant_usage_daily as u
        (tenant_id, day, signal, accepted_items, accepted_bytes, rejected_items, throttled_items, throttled_bytes)
      select v.tenant_id, v.day, v.signal, v.accepted_items, v.accepted_bytes, v.rejected_items, v.throttled_items, v.throttled_bytes
      from (values ${values}) as v (tenant_id, day, signal, accepted_items, accepted_bytes, rejected_items, throttled_items, throttled_bytes)
      where exists (select 1 from tenants t where t.id = v.tenant_id)
      on conflict (tenant_id, day, signal) do update set
        accepted_items = u.accepted_items + excluded.accepted_items,
        accepted_bytes = u.accepted_bytes + excluded.accepted_bytes,
        rejected_items = u.rejected_items + excluded.rejected_items,
        throttled_items = u.throttled_items + excluded.throttled_items,
        throttled_bytes = u.throttled_bytes + excluded.throttled_bytes,
        updated_at = now()`.execute(this.db);
  }

  /** The tenant's usage rows from `fromDay` to `toDay` (both included, UTC), by day then signal. */
  async list(tenantId: string, fromDay: string, toDay: string): Promise<UsageDelta[]> {
    if (!isUtcDay(fromDay)) throw new Error(`fromDay: "${fromDay}" is not a day written YYYY-MM-DD`);
    if (!isUtcDay(toDay)) throw new Error(`toDay: "${toDay}" is not a day written YYYY-MM-DD`);
    if (!isUuid(tenantId)) return [];
    const rows = await this.db
      .selectFrom('tenant_usage_daily')
      .select([
        'tenant_id',
        sql<string>`to_char(day, 'YYYY-MM-DD')`.as('day'),
        'signal',
        'accepted_items',
        'accepted_bytes',
        'rejected_items',
        'throttled_items',
        'throttled_bytes',
      ])
      .where('tenant_id', '=', tenantId)
      .where(sql<boolean>`day between ${fromDay}::date and ${toDay}::date`)
      .orderBy('day')
      .orderBy(sql`array_position(array['traces', 'metrics', 'logs'], signal)`)
      .execute();
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      day: r.day,
      signal: r.signal,
      acceptedItems: Number(r.accepted_items),
      acceptedBytes: Number(r.accepted_bytes),
      rejectedItems: Number(r.rejected_items),
      throttledItems: Number(r.throttled_items),
      throttledBytes: Number(r.throttled_bytes),
    }));
  }
}

function assertDelta(delta: UsageDelta): void {
  if (!isUtcDay(delta.day)) throw new Error(`day: "${delta.day}" is not a UTC day written YYYY-MM-DD`);
  if (!(USAGE_SIGNALS as readonly string[]).includes(delta.signal)) {
    throw new Error(`signal: "${delta.signal}" is not one of ${USAGE_SIGNALS.join(', ')}`);
  }
  for (const counter of COUNTERS) {
    const value = delta[counter];
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${counter}: expected a whole number ≥ 0, got ${value}`);
  }
}
