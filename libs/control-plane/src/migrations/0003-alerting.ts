import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Per-tenant alerting: channels (secrets stored only as AES-256-GCM ciphertext), rules, the
 * state of each rule (also its lease, so alerter replicas share rules without both evaluating
 * one), the history of transitions, an outbox of notifications (delivered by whichever replica
 * claims them, so a transition is sent once even across restarts), and silences.
 */
const up: string[] = [
  `create table alert_channels (
     id uuid primary key default gen_random_uuid(),
     tenant_id uuid not null references tenants (id) on delete cascade,
     key text not null check (length(key) between 1 and 200),
     name text not null check (length(name) between 1 and 200),
     kind text not null check (kind in ('slack', 'webhook', 'email')),
     settings jsonb not null default '{}',
     secret_ciphertext text not null,
     secret_hint text not null default '',
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (tenant_id, key)
   )`,

  `create table alert_rules (
     id uuid primary key default gen_random_uuid(),
     tenant_id uuid not null references tenants (id) on delete cascade,
     key text not null check (length(key) between 1 and 200),
     name text not null check (length(name) between 1 and 200),
     enabled boolean not null default true,
     definition jsonb not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (tenant_id, key)
   )`,

  `create table alert_rule_states (
     rule_id uuid primary key references alert_rules (id) on delete cascade,
     tenant_id uuid not null references tenants (id) on delete cascade,
     state text not null default 'ok' check (state in ('ok', 'pending', 'firing')),
     severity text check (severity in ('warning', 'critical')),
     since timestamptz,
     last_value double precision,
     last_eval_at timestamptz,
     last_notified_at timestamptz,
     next_eval_at timestamptz not null default now(),
     lease_owner text,
     lease_until timestamptz
   )`,
  `create index alert_rule_states_due_idx on alert_rule_states (next_eval_at)`,

  `create table alert_events (
     id bigint generated always as identity primary key,
     tenant_id uuid not null references tenants (id) on delete cascade,
     rule_id uuid not null references alert_rules (id) on delete cascade,
     from_state text not null,
     to_state text not null,
     severity text,
     value double precision,
     threshold double precision,
     at timestamptz not null default now()
   )`,
  `create index alert_events_rule_idx on alert_events (rule_id, at desc)`,

  `create table alert_notifications (
     id uuid primary key default gen_random_uuid(),
     tenant_id uuid not null references tenants (id) on delete cascade,
     rule_id uuid references alert_rules (id) on delete cascade,
     channel_id uuid not null references alert_channels (id) on delete cascade,
     kind text not null check (kind in ('firing', 'resolved', 'test')),
     payload jsonb not null,
     status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
     attempts integer not null default 0,
     next_attempt_at timestamptz not null default now(),
     last_error text not null default '',
     lease_owner text,
     lease_until timestamptz,
     created_at timestamptz not null default now(),
     sent_at timestamptz
   )`,
  `create index alert_notifications_due_idx on alert_notifications (status, next_attempt_at)`,
  `create index alert_notifications_tenant_idx on alert_notifications (tenant_id, created_at desc)`,

  `create table alert_silences (
     id uuid primary key default gen_random_uuid(),
     tenant_id uuid not null references tenants (id) on delete cascade,
     rule_id uuid references alert_rules (id) on delete cascade,
     reason text not null default '',
     starts_at timestamptz not null,
     ends_at timestamptz not null check (ends_at > starts_at),
     created_by text not null default '',
     created_at timestamptz not null default now()
   )`,
  `create index alert_silences_tenant_idx on alert_silences (tenant_id, ends_at)`,
];

const down: string[] = [
  'drop table alert_silences',
  'drop table alert_notifications',
  'drop table alert_events',
  'drop table alert_rule_states',
  'drop table alert_rules',
  'drop table alert_channels',
];

async function run(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const migration0003Alerting: Migration = {
  up: (db) => run(db, up),
  down: (db) => run(db, down),
};
