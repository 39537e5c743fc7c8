import type { WaterfallRow } from './waterfall';

/** What folding needs of a span (the API's span has these and more). */
export interface FoldSpan {
  spanId: string;
  parentSpanId: string;
  service: string;
  spanName: string;
  dbSystem: string;
  dbStatement: string;
  dbFingerprint: string;
}

/** Consecutive siblings alike from this many on are shown as one row. */
export const FOLD_MIN = 3;
/** A statement run this many times under one parent is an N+1 (the SQL statistics' default threshold). */
export const N_PLUS_ONE_MIN = 10;

// Connection pools' own spans (pg-pool.connect, mysql2's getConnection, generic-pool.acquire …).
const POOL_NAME = /(^|[\s._-])(pool|connect|getConnection|acquire)([\s._-]|$)/i;
// A statement's span named after its verb and table ("SELECT shop.pool") is a statement.
const SQL_VERB = /^(select|insert|update|delete|merge|with|call|exec)\b/i;

/** A connection pool's span (checking out or opening a connection): a database span, but not a statement. */
export function isPoolSpan(s: Pick<FoldSpan, 'spanName' | 'dbSystem'>): boolean {
  return POOL_NAME.test(s.spanName) && !SQL_VERB.test(s.spanName) && (s.dbSystem !== '' || /pool/i.test(s.spanName));
}

/** The SQL a span ran (normalized), or '' for spans that ran none, pool spans included. */
export function statementOf(s: FoldSpan): string {
  if (isPoolSpan(s)) return '';
  return (s.dbFingerprint || s.dbStatement).trim();
}

/** What makes siblings "the same": the statement they ran, else their service and name. */
export function fingerprintOf(s: FoldSpan): string {
  const sql = statementOf(s);
  return sql ? `sql\u0000${s.dbSystem}\u0000${sql}` : `span\u0000${s.service}\u0000${s.spanName}`;
}

/** The key of a span's group for N+1 marks: its parent and fingerprint. */
export const nPlusOneKey = (s: FoldSpan) => `${s.parentSpanId}\u0000${fingerprintOf(s)}`;

export interface NPlusOne<S> {
  /** nPlusOneKey() of its spans. */
  key: string;
  /** The span the statements ran under (a transaction, a handler). */
  parent: S | undefined;
  statement: string;
  count: number;
}

/** Statements run N_PLUS_ONE_MIN times or more under one parent, most repeated first. */
export function findNPlusOne<S extends FoldSpan>(spans: readonly S[]): NPlusOne<S>[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const counts = new Map<string, NPlusOne<S>>();
  for (const s of spans) {
    const statement = statementOf(s);
    if (!statement) continue;
    const key = nPlusOneKey(s);
    const c = counts.get(key) ?? { key, parent: byId.get(s.parentSpanId), statement, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  return [...counts.values()].filter((c) => c.count >= N_PLUS_ONE_MIN).sort((a, b) => b.count - a.count);
}

export type DisplayRow<S> =
  | { kind: 'span'; row: WaterfallRow<S>; nPlusOne: boolean }
  | {
      kind: 'fold';
      /** Stable across renders: the first span's id. */
      key: string;
      rows: WaterfallRow<S>[];
      depth: number;
      /** From the first start to the last end, as fractions of the trace. */
      left: number;
      width: number;
      /** Sum of the folded spans' durations. */
      totalMs: number;
      nPlusOne: boolean;
    };

/**
 * Waterfall rows with runs of FOLD_MIN or more consecutive siblings of the same fingerprint
 * folded into one row each (their subtrees folded with them), except runs whose key is in
 * `expanded`. `nPlusOne` holds nPlusOneKey()s of the N+1 groups, to mark their rows.
 */
export function foldRows<S extends FoldSpan>(rows: readonly WaterfallRow<S>[], expanded: ReadonlySet<string>, nPlusOne: ReadonlySet<string>): DisplayRow<S>[] {
  const out: DisplayRow<S>[] = [];
  const subtreeEnd = (i: number) => {
    let k = i + 1;
    while (k < rows.length && rows[k].depth > rows[i].depth) k++;
    return k;
  };
  // Members of an expanded run: shown one by one, none starts a run of its own.
  const single = new Set<number>();
  let i = 0;
  while (i < rows.length) {
    const first = rows[i];
    if (single.has(i)) {
      out.push({ kind: 'span', row: first, nPlusOne: nPlusOne.has(nPlusOneKey(first.span)) });
      i++;
      continue;
    }
    const fp = fingerprintOf(first.span);
    const run = [i];
    let next = subtreeEnd(i);
    while (
      next < rows.length &&
      rows[next].depth === first.depth &&
      rows[next].span.parentSpanId === first.span.parentSpanId &&
      fingerprintOf(rows[next].span) === fp
    ) {
      run.push(next);
      next = subtreeEnd(next);
    }
    const marked = nPlusOne.has(nPlusOneKey(first.span));
    if (run.length >= FOLD_MIN && !expanded.has(first.span.spanId)) {
      const members = run.map((k) => rows[k]);
      const end = Math.max(...members.map((r) => r.left + r.width));
      out.push({
        kind: 'fold',
        key: first.span.spanId,
        rows: members,
        depth: first.depth,
        left: first.left,
        width: end - first.left,
        totalMs: members.reduce((sum, r) => sum + r.durationMs, 0),
        nPlusOne: marked,
      });
      i = next;
    } else {
      for (const k of run) single.add(k);
      out.push({ kind: 'span', row: first, nPlusOne: marked });
      i++;
    }
  }
  return out;
}
