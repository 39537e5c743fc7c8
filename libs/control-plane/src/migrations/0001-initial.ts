import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The first control-plane schema. Plain PostgreSQL that runs unchanged on a server and on
 * PGlite; one statement per `execute` (PGlite runs one statement per extended-protocol query).
 * Kysely's Migrator runs it in a transaction, so a failure leaves nothing half-created.
 */
const up: string[] = [
  `create table tenants (
     id uuid primary key default gen_random_uuid(),
     slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{2,39}$'),
     name text not null check (length(name) between 1 and 200),
     region text not null check (length(region) > 0),
     region_locked_at timestamptz,
     retention_days integer not null default 30 check (retention_days between 1 and 3650),
     created_at timestamptz not null default now()
   )`,
  // DESIGN.md: the region choice "cannot silently change". Once locked, the database itself
  // refuses to move a tenant (or unlock it), whatever code path tries.
  `create function tenants_region_locked() returns trigger language plpgsql as $$
   begin
     if old.region_locked_at is not null
        and (new.region is distinct from old.region or new.region_locked_at is distinct from old.region_locked_at) then
       raise exception 'tenant % is locked to region %; its region cannot change', old.slug, old.region
         using errcode = 'check_violation';
     end if;
     return new;
   end
   $$`,
  `create trigger tenants_region_locked before update of region, region_locked_at on tenants
     for each row execute function tenants_region_locked()`,

  `create table users (
     id uuid primary key default gen_random_uuid(),
     email text not null unique check (email = lower(email) and position('@' in email) > 1),
     password_hash text,
     created_at timestamptz not null default now()
   )`,

  `create table memberships (
     tenant_id uuid not null references tenants (id) on delete cascade,
     user_id uuid not null references users (id) on delete cascade,
     role text not null check (role in ('owner', 'admin', 'member', 'viewer')),
     created_at timestamptz not null default now(),
     primary key (tenant_id, user_id)
   )`,
  // The primary key serves "members of a tenant"; this one serves "tenants of a user".
  `create index memberships_user_id_idx on memberships (user_id)`,

  // Keys are 256-bit random tokens, so a fast unsalted hash (SHA-256) is the right store: no
  // dictionary or brute force can reach a 2^256 space, and a deterministic hash lets intake find
  // the key by an indexed equality lookup instead of comparing secrets. Passwords (users) need
  // a slow salted hash instead; that is a different column with a different rule.
  `create table ingest_keys (
     id uuid primary key default gen_random_uuid(),
     tenant_id uuid not null references tenants (id) on delete cascade,
     name text not null check (length(name) between 1 and 100),
     prefix text not null,
     key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
     kind text not null default 'ingest' check (kind in ('ingest', 'api')),
     created_at timestamptz not null default now(),
     last_used_at timestamptz,
     revoked_at timestamptz
   )`,
  // key_hash is unique (verify looks up by it); this serves the per-tenant key list.
  `create index ingest_keys_tenant_id_idx on ingest_keys (tenant_id, created_at)`,

  // No foreign key on tenant_id: the audit trail outlives what it talks about.
  `create table audit_log (
     id bigint generated always as identity primary key,
     tenant_id uuid,
     actor text not null,
     action text not null,
     target text not null,
     details jsonb not null default '{}'::jsonb,
     at timestamptz not null default now()
   )`,
  `create index audit_log_tenant_id_at_idx on audit_log (tenant_id, at desc, id desc)`,
];

const down: string[] = [
  'drop table audit_log',
  'drop table ingest_keys',
  'drop table memberships',
  'drop table users',
  'drop table tenants',
  'drop function tenants_region_locked()',
];

async function run(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const migration0001Initial: Migration = {
  up: (db) => run(db, up),
  down: (db) => run(db, down),
};
