import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ControlPlaneSchema } from './control-plane-schema';

/**
 * Leases share work between replicas (rule evaluations, notification deliveries): a row is
 * held by `lease_owner` until `lease_until`, and a holder that crashes or stalls loses it then.
 */

/** Nobody holds the row's lease, or its holder let it expire. */
export const leaseFree = sql<boolean>`(lease_until is null or lease_until < now())`;

/** Written back with a holder's result: the lease is given up. */
export const leaseReleased = { lease_owner: null, lease_until: null } as const;

export interface LeaseClaim {
  table: 'alert_rule_states' | 'alert_notifications';
  /** The table's key column. */
  key: 'rule_id' | 'id';
  /** Which rows are due (besides a free lease); checked again on each locked row. */
  due: RawBuilder<unknown>;
  /** Order and limit of the candidates; default all. */
  take?: RawBuilder<unknown>;
  /** Common table expressions `due` refers to. */
  with?: RawBuilder<unknown>;
  /** The columns returned of each leased row. */
  returning: RawBuilder<unknown>;
}

/**
 * Leases the due rows whose lease is free to `owner` for `leaseMs` (database clock). `for update
 * skip locked` lets replicas claim at once without taking the same row, and the condition is
 * checked again on the locked row, so a row just claimed elsewhere is skipped.
 */
export async function claimLeases<Row>(db: Kysely<ControlPlaneSchema>, owner: string, leaseMs: number, c: LeaseClaim): Promise<Row[]> {
  const table = sql.table(c.table);
  const key = sql.ref(c.key);
  const { rows } = await sql<Row>`${c.with ?? sql``}
    update ${table} set lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${leaseMs / 1000})
    where ${key} in (select ${key} from ${table} where ${c.due} and ${leaseFree} ${c.take ?? sql``} for update skip locked)
    returning ${c.returning}`.execute(db);
  return rows;
}
