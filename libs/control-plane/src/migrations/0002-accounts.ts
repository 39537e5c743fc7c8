import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Sign-in: sessions (server-side, so they survive restarts and can be revoked), account
 * lockout counters, email invitations, and process-wide secrets shared by every replica.
 */
const up: string[] = [
  `alter table users add column failed_logins integer not null default 0`,
  `alter table users add column locked_until timestamptz`,

  // Like keys: the cookie holds 256 random bits, the table only their SHA-256.
  `create table sessions (
     id uuid primary key default gen_random_uuid(),
     user_id uuid not null references users (id) on delete cascade,
     token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
     created_at timestamptz not null default now(),
     last_seen_at timestamptz not null default now(),
     expires_at timestamptz not null,
     user_agent text not null default '',
     ip text not null default ''
   )`,
  `create index sessions_user_id_idx on sessions (user_id)`,

  `create table invitations (
     id uuid primary key default gen_random_uuid(),
     tenant_id uuid not null references tenants (id) on delete cascade,
     email text not null check (email = lower(email) and position('@' in email) > 1),
     role text not null check (role in ('admin', 'member', 'viewer')),
     token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
     invited_by uuid references users (id) on delete set null,
     created_at timestamptz not null default now(),
     expires_at timestamptz not null,
     accepted_at timestamptz,
     accepted_by uuid references users (id) on delete set null,
     revoked_at timestamptz
   )`,
  `create index invitations_tenant_id_idx on invitations (tenant_id, created_at desc)`,

  // Secrets every api replica must agree on (e.g. the CSRF HMAC key), created once.
  `create table server_secrets (
     name text primary key,
     value text not null,
     created_at timestamptz not null default now()
   )`,
];

const down: string[] = [
  'drop table server_secrets',
  'drop table invitations',
  'drop table sessions',
  'alter table users drop column locked_until',
  'alter table users drop column failed_logins',
];

async function run(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const migration0002Accounts: Migration = {
  up: (db) => run(db, up),
  down: (db) => run(db, down),
};
