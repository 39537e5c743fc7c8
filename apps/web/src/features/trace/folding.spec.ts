import { findNPlusOne, foldRows, isPoolSpan, nPlusOneKey, type FoldSpan } from './folding';
import { layoutWaterfall } from './waterfall';
import { sqlFacts, type TraceSpan } from './span-facts';

let next = 0;
function span(parent: string, startMs: number, over: Partial<FoldSpan> = {}) {
  const id = `s${++next}`;
  return {
    spanId: id,
    parentSpanId: parent,
    startUnixNanos: String(1_777_000_000_000_000_000n + BigInt(startMs * 1e6)),
    durationNs: String(1e6),
    service: 'orders',
    spanName: 'handler',
    dbSystem: '',
    dbStatement: '',
    dbFingerprint: '',
    ...over,
  };
}
const select = { spanName: 'SELECT shop.items', dbSystem: 'postgresql', dbFingerprint: 'select * from items where order_id = ?' };
const pool = { spanName: 'pg-pool.connect', dbSystem: 'postgresql' };

/** A request that checks out a connection, runs one order query, then 12 item queries in a loop. */
function nPlusOneTrace() {
  const root = span('', 0, { spanName: 'GET /orders' });
  const spans = [root, span(root.spanId, 1, pool), span(root.spanId, 2, { ...select, dbFingerprint: 'select * from orders' })];
  for (let i = 0; i < 12; i++) spans.push(span(root.spanId, 3 + i, { ...select, dbStatement: `SELECT * FROM items WHERE order_id = ${i}` }));
  spans.push(span(root.spanId, 20, { spanName: 'render' }));
  return { root, spans };
}

describe('trace folding and N+1', () => {
  it('folds a loop of the same statement into one row, marked N+1, and leaves the rest', () => {
    const { spans } = nPlusOneTrace();
    const n1 = findNPlusOne(spans);
    expect(n1).toHaveLength(1);
    expect(n1[0]).toMatchObject({ statement: 'select * from items where order_id = ?', count: 12, parent: spans[0] });
    const rows = foldRows(layoutWaterfall(spans).rows, new Set(), new Set([nPlusOneKey(spans[3])]));
    expect(rows.map((r) => (r.kind === 'fold' ? `fold×${r.rows.length}${r.nPlusOne ? ' N+1' : ''}` : r.row.span.spanName))).toEqual([
      'GET /orders',
      'pg-pool.connect',
      'SELECT shop.items',
      'fold×12 N+1',
      'render',
    ]);
    const fold = rows[3];
    if (fold.kind !== 'fold') throw new Error('not folded');
    expect(fold.totalMs).toBeCloseTo(12, 6);
    expect(fold.left + fold.width).toBeCloseTo((14 + 1) / 21, 6);
  });

  it('shows every span of an expanded fold, without folding its tail again', () => {
    const { spans } = nPlusOneTrace();
    const rows = foldRows(layoutWaterfall(spans).rows, new Set([spans[3].spanId]), new Set());
    expect(rows.filter((r) => r.kind === 'fold')).toEqual([]);
    expect(rows).toHaveLength(spans.length);
  });

  it('folds siblings with their subtrees but never across parents, and not fewer than 3', () => {
    const root = span('', 0);
    const a = span(root.spanId, 1, { spanName: 'fetch' });
    const b = span(root.spanId, 2, { spanName: 'fetch' });
    const c = span(root.spanId, 3, { spanName: 'fetch' });
    const inner = span(b.spanId, 2.5, select);
    const other = span('', 10, { spanName: 'fetch' });
    const rows = foldRows(layoutWaterfall([root, a, b, c, inner, other]).rows, new Set(), new Set());
    expect(rows.map((r) => (r.kind === 'fold' ? r.rows.map((x) => x.span.spanId) : r.row.span.spanId))).toEqual([
      root.spanId,
      [a.spanId, b.spanId, c.spanId],
      other.spanId,
    ]);
    expect(foldRows(layoutWaterfall([root, a, b]).rows, new Set(), new Set()).every((r) => r.kind === 'span')).toBe(true);
  });

  it('does not count connection pool spans as statements, even with a validation query', () => {
    expect(isPoolSpan(pool)).toBe(true);
    expect(isPoolSpan({ spanName: 'generic-pool.acquire', dbSystem: '' })).toBe(true);
    expect(isPoolSpan({ spanName: 'mysql2 getConnection', dbSystem: 'mysql' })).toBe(true);
    expect(isPoolSpan({ spanName: 'SELECT shop.pool', dbSystem: 'postgresql' })).toBe(false);
    expect(isPoolSpan({ spanName: 'GET /connect', dbSystem: '' })).toBe(false);
    const validating = { ...span('', 0, { ...pool, dbStatement: 'SELECT 1', dbFingerprint: 'select ?' }) } as unknown as TraceSpan;
    expect(sqlFacts(validating)).toBeUndefined();
    const loop = Array.from({ length: 15 }, (_, i) => span('r', i, { ...pool, dbStatement: 'SELECT 1' }));
    expect(findNPlusOne(loop)).toEqual([]);
  });
});
