import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Per-tenant ingest limits and metered usage (issue 12, item 4).
 *
 * `tenant_ingest_limits`: the operator's overrides of the configured defaults; a null column
 * means "the default", so changing a default in config reaches every tenant without an override.
 *
 * `tenant_usage_daily`: one row per tenant, UTC day and signal, incremented by intake flushes
 * (`insert … on conflict do update set x = x + excluded.x`), so several intakes add to the
 * same row without coordination. The basis for billing; counters are bigint.
 */
const up: string[] = [
  `create table tenant_ingest_limits (
     tenant_id uuid primary key references tenants (id) on delete cascade,
     spans_per_second integer check (spans_per_second > 0),
     data_points_per_second integer check (data_points_per_second > 0),
     log_records_per_second integer check (log_records_per_second > 0),
     bytes_per_second bigint check (bytes_per_second > 0),
     updated_at timestamptz not null default now(),
     updated_by text not null default ''
   )`,

  `create table tenant_usage_daily (
     tenant_id uuid not null references tenants (id) on delete cascade,
     day date not null,
     signal text not null check (signal in ('traces', 'metrics', 'logs')),
     accepted_items bigint not null default 0 check (accepted_items >= 0),
     accepted_bytes bigint not null default 0 check (accepted_bytes >= 0),
     rejected_items bigint not null default 0 check (rejected_items >= 0),
     throttled_items bigint not null default 0 check (throttled_items >= 0),
     throttled_bytes bigint not null default 0 check (throttled_bytes >= 0),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, day, signal)
   )`,
];

const down: string[] = ['drop table tenant_usage_daily', 'drop table tenant_ingest_limits'];

async function run(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const migration0004IngestLimitsUsage: Migration = {
  up: (db) => run(db, up),
  down: (db) => run(db, down),
};
