import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Sign-up by verified email (issue 16, item 3): a sign-up without an invitation waits here until
 * the emailed link is opened, so the sign-up answer is the same whether the email has an account.
 * The table keeps the password's argon2id hash and the link token's hash, never either in clear.
 */
const up: string[] = [
  `create table signup_verifications (
     id uuid primary key default gen_random_uuid(),
     email text not null,
     password_hash text not null,
     token_hash text not null unique,
     created_at timestamptz not null default now(),
     expires_at timestamptz not null,
     used_at timestamptz
   )`,
  `create index signup_verifications_email on signup_verifications (email)`,
];

const down: string[] = ['drop table signup_verifications'];

async function run(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const migration0005SignupVerifications: Migration = {
  up: (db) => run(db, up),
  down: (db) => run(db, down),
};
