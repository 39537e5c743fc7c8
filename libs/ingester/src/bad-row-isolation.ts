import { lineCount, mergeAdjacent, splitUnit, type RowPiece } from './row-pieces';

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
   * refused.
   */
  insert(unit: readonly RowPiece[]): Promise<InsertFailure | undefined>;
  /**
   * Parses the unit as an insert would but stores nothing (retrying outages itself): the cheap
   * trial bisection uses when the storage offers it. Errors raised only while writing (too many
   * partitions, materialized views) pass it; the insert of what passed then finds them.
   */
  check?(unit: readonly RowPiece[]): Promise<InsertFailure | undefined>;
  /** Waits before the `attempt`-th retry of a single row refused with an unrecognised code. */
  backoff(attempt: number): Promise<void>;
  /** Trials (checks or inserts) allowed per tenant before what still fails is parked as is. */
  maxInsertsPerTenant: number;
  /** Attempts for a single row refused with an `unknown` code before it is parked. */
  attemptsForUnknown: number;
}

/** How bisection tries a unit: by inserting it (stored when it passes), or by checking it (collected in `passed`). */
interface Trial {
  attempt(unit: readonly RowPiece[]): Promise<InsertFailure | undefined>;
  passed?: RowPiece[];
  budget: { left: number };
  deps: IsolationDeps;
  parked: ParkedPiece[];
}

/**
 * Finds the rows ClickHouse refuses in a batch that failed as a whole, stores the rest, and
 * returns the refused rows (for the dead letters).
 *
 * First one insert per tenant, so every tenant without bad rows is stored at once. Then, inside
 * each tenant that still fails, bisection: by message, then by row inside a message, with cheap
 * checks (parse only, nothing stored) where the storage offers them, after which what passed is
 * inserted at once. Halving a unit known to fail costs one trial when its left half passes (the
 * right half must then hold the bad rows; it is split again without being tried whole), two when
 * it fails: one bad row among n costs at most about 2·log2(n) trials, k bad rows about
 * 2·k·log2(n/k). A single row is always tried before it is parked. A tenant whose rows keep
 * failing past `maxInsertsPerTenant` trials has its remaining failing units parked whole, so a
 * batch of nothing but bad rows cannot hold the region for n trials.
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
    const byInsert: Trial = { attempt: (u) => deps.insert(u), budget, deps, parked };
    // A check cannot see a partitions-per-block refusal: bisect that one with inserts.
    if (!deps.check || f.errorClass === 'too_many_partitions') {
      await bisect(unit, f, byInsert);
      continue;
    }
    const byCheck: Trial = { attempt: (u) => deps.check!(u), passed: [], budget, deps, parked };
    await bisect(unit, f, byCheck);
    const good = mergeAdjacent(byCheck.passed!);
    if (good.length === 0) continue;
    const insertFailure = await deps.insert(good);
    if (insertFailure) await bisect(good, insertFailure, byInsert);
  }
  return parked;
}

async function bisect(unit: RowPiece[], failure: InsertFailure, trial: Trial): Promise<void> {
  if (isSingleRow(unit)) return settleSingleRow(unit[0], failure, trial);
  if (trial.budget.left <= 0) return parkUnisolated(unit, failure.reason, trial);
  const [left, right] = splitUnit(unit);
  const leftFailure = await attempt(left, trial);
  if (leftFailure) await bisect(left, leftFailure, trial);
  // Rows refused for what they hold fail alike in any company: if the left half passed, the
  // right half holds the bad rows. Too many partitions is about the company: try it whole.
  const rightIsKnownBad = !leftFailure && failure.errorClass !== 'too_many_partitions' && !isSingleRow(right);
  if (rightIsKnownBad) return bisect(right, failure, trial);
  if (trial.budget.left <= 0) return parkUnisolated(right, `${(leftFailure ?? failure).reason}; this half was not tried`, trial);
  const rightFailure = await attempt(right, trial);
  if (rightFailure) await bisect(right, rightFailure, trial);
}

async function attempt(unit: RowPiece[], trial: Trial): Promise<InsertFailure | undefined> {
  trial.budget.left--;
  const failure = await trial.attempt(unit);
  if (!failure) trial.passed?.push(...unit);
  return failure;
}

function parkUnisolated(unit: readonly RowPiece[], reason: string, trial: Trial): void {
  const why = `${reason} (not isolated further: this tenant's isolation budget of ${trial.deps.maxInsertsPerTenant} trials is spent, so these rows may include good ones)`;
  for (const piece of unit) if (lineCount(piece) > 0) trial.parked.push({ piece, reason: why });
}

function isSingleRow(unit: readonly RowPiece[]): boolean {
  return unit.length === 1 && lineCount(unit[0]) <= 1;
}

/** A single row that failed: parked at once for bad data, after a few tries for an unrecognised error. */
async function settleSingleRow(piece: RowPiece, failure: InsertFailure, trial: Trial): Promise<void> {
  let f: InsertFailure | undefined = failure;
  for (let n = 1; f && f.errorClass !== 'data' && n < trial.deps.attemptsForUnknown; n++) {
    await trial.deps.backoff(n);
    f = await attempt([piece], trial);
  }
  if (f) trial.parked.push({ piece, reason: f.reason });
}
