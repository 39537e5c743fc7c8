import { lineCount, splitUnit, type RowPiece } from './row-pieces';

/**
 * Why an insert failed, as the storage reports it (RowInsertError.errorClass of
 * @meridian/storage-clickhouse): `transient` is retried by the caller and never reaches the
 * isolation; the others mean "something in these rows".
 */
export type InsertFailureClass = 'transient' | 'data' | 'too_many_partitions' | 'unknown';

export interface InsertFailure {
  errorClass: Exclude<InsertFailureClass, 'transient'>;
  reason: string;
}

export interface ParkedPiece {
  piece: RowPiece;
  reason: string;
}

export interface IsolationDeps {
  /**
   * Inserts the unit (retrying outages itself); undefined once stored, else why the rows were
   * refused. Each call is one isolation insert.
   */
  insert(unit: readonly RowPiece[]): Promise<InsertFailure | undefined>;
  /** Waits before the `attempt`-th retry of a single row refused with an unrecognised code. */
  backoff(attempt: number): Promise<void>;
  /** Isolation inserts allowed per tenant before what still fails is parked as is. */
  maxInsertsPerTenant: number;
  /** Attempts for a single row refused with an `unknown` code before it is parked. */
  attemptsForUnknown: number;
}

/**
 * Finds the rows ClickHouse refuses in a batch that failed as a whole, stores the rest, and
 * returns the refused rows (for the dead letters).
 *
 * First one insert per tenant, so every tenant without bad rows is stored at once. Then, inside
 * each tenant that still fails, bisection: by message, then by row inside a message. Halving a
 * unit known to fail costs one insert when its left half passes (the right half must then hold
 * the bad rows; it is split again without being tried whole), two when it fails: one bad row
 * among n costs about log2(n) inserts, k bad rows about 2·k·log2(n/k). A single row is always
 * tried before it is parked. A tenant whose rows keep failing past `maxInsertsPerTenant`
 * inserts has its remaining failing units parked whole, so a batch of nothing but bad rows
 * cannot hold the region for n inserts.
 */
export async function isolateBadRows(pieces: readonly RowPiece[], failure: InsertFailure, deps: IsolationDeps): Promise<ParkedPiece[]> {
  const byTenant = new Map<string, RowPiece[]>();
  for (const p of pieces) {
    const list = byTenant.get(p.message.tenantId) ?? [];
    list.push(p);
    byTenant.set(p.message.tenantId, list);
  }
  const failing: { unit: RowPiece[]; failure: InsertFailure }[] = [];
  if (byTenant.size === 1) {
    failing.push({ unit: [...pieces], failure });
  } else {
    for (const unit of byTenant.values()) {
      const f = await deps.insert(unit);
      if (f) failing.push({ unit, failure: f });
    }
  }
  const parked: ParkedPiece[] = [];
  for (const { unit, failure: f } of failing) {
    const budget = { left: deps.maxInsertsPerTenant };
    await bisect(unit, f, budget, deps, parked);
  }
  return parked;
}

async function bisect(unit: RowPiece[], failure: InsertFailure, budget: { left: number }, deps: IsolationDeps, parked: ParkedPiece[]): Promise<void> {
  if (isSingleRow(unit)) return settleSingleRow(unit[0], failure, budget, deps, parked);
  if (budget.left <= 0) return parkUnisolated(unit, failure.reason, deps, parked);
  const [left, right] = splitUnit(unit);
  budget.left--;
  const leftFailure = await deps.insert(left);
  if (leftFailure) await bisect(left, leftFailure, budget, deps, parked);
  // Rows refused for what they hold fail alike in any company: if the left half passed, the
  // right half holds the bad rows. Too many partitions is about the company: try it whole.
  const rightIsKnownBad = !leftFailure && failure.errorClass !== 'too_many_partitions' && !isSingleRow(right);
  if (rightIsKnownBad) return bisect(right, failure, budget, deps, parked);
  if (budget.left <= 0) return parkUnisolated(right, `${(leftFailure ?? failure).reason}; this half was not tried`, deps, parked);
  budget.left--;
  const rightFailure = await deps.insert(right);
  if (rightFailure) await bisect(right, rightFailure, budget, deps, parked);
}

function parkUnisolated(unit: readonly RowPiece[], reason: string, deps: IsolationDeps, parked: ParkedPiece[]): void {
  const why = `${reason} (not isolated further: this tenant's isolation budget of ${deps.maxInsertsPerTenant} inserts is spent, so these rows may include good ones)`;
  for (const piece of unit) if (lineCount(piece) > 0) parked.push({ piece, reason: why });
}

function isSingleRow(unit: readonly RowPiece[]): boolean {
  return unit.length === 1 && lineCount(unit[0]) <= 1;
}

/** A single row that failed: parked at once for bad data, after a few tries for an unrecognised error. */
async function settleSingleRow(piece: RowPiece, failure: InsertFailure, budget: { left: number }, deps: IsolationDeps, parked: ParkedPiece[]): Promise<void> {
  let f: InsertFailure | undefined = failure;
  for (let attempt = 1; f && f.errorClass !== 'data' && attempt < deps.attemptsForUnknown; attempt++) {
    await deps.backoff(attempt);
    budget.left--;
    f = await deps.insert([piece]);
  }
  if (f) parked.push({ piece, reason: f.reason });
}
