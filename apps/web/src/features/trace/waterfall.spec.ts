import { layoutWaterfall, rulerTicks, type WaterfallSpan } from './waterfall';

const BASE = 1_777_000_000_000_000_000n; // beyond 2^53: must stay exact
function span(id: string, parent: string, startMs: number, durMs: number): WaterfallSpan {
  return {
    spanId: id,
    parentSpanId: parent,
    startUnixNanos: (BASE + BigInt(Math.round(startMs * 1e6))).toString(),
    durationNs: String(Math.round(durMs * 1e6)),
  };
}

describe('trace waterfall layout', () => {
  it('nests children under parents, siblings by start time, with offsets and bars relative to the trace', () => {
    // A 3.2 s transaction: a SQL call, an HTTP call with its own child, given out of order.
    const spans = [span('http', 'root', 1_000, 2_000), span('sql', 'root', 10.5, 3_000), span('root', '', 0, 3_200), span('inner', 'http', 1_500, 100)];
    const w = layoutWaterfall(spans);
    expect(w.totalMs).toBe(3_200);
    expect(w.startNanos).toBe(BASE);
    expect(w.rows.map((r) => [r.span.spanId, r.depth, r.offsetMs, r.durationMs, r.childCount])).toEqual([
      ['root', 0, 0, 3_200, 2],
      ['sql', 1, 10.5, 3_000, 0],
      ['http', 1, 1_000, 2_000, 1],
      ['inner', 2, 1_500, 100, 0],
    ]);
    const sql = w.rows[1];
    expect(sql.left).toBeCloseTo(10.5 / 3_200, 9);
    expect(sql.width).toBeCloseTo(3_000 / 3_200, 9);
    expect(w.rows[0]).toMatchObject({ left: 0, width: 1, orphan: false });
  });

  it('keeps sub-millisecond offsets exact on 19-digit epoch nanoseconds', () => {
    const w = layoutWaterfall([span('a', '', 0, 1), { ...span('b', 'a', 0, 0.25), startUnixNanos: (BASE + 1_234n).toString() }]);
    expect(w.rows[1].offsetMs).toBe(0.001);
    expect(w.rows[1].durationMs).toBe(0.25);
  });

  it('shows spans whose parent is missing as roots marked orphan, and survives parent cycles', () => {
    const w = layoutWaterfall([span('a', '', 0, 10), span('x', 'not-sent', 2, 3), span('c1', 'c2', 4, 1), span('c2', 'c1', 5, 1), span('self', 'self', 6, 1)]);
    expect(w.rows.map((r) => r.span.spanId).sort()).toEqual(['a', 'c1', 'c2', 'self', 'x']);
    expect(w.rows.find((r) => r.span.spanId === 'x')).toMatchObject({ depth: 0, orphan: true });
    expect(w.rows.find((r) => r.span.spanId === 'self')).toMatchObject({ depth: 0 });
    expect(w.rows.filter((r) => r.depth === 0).map((r) => r.span.spanId)).toEqual(expect.arrayContaining(['a', 'x']));
  });

  it('handles an empty trace and zero-length spans', () => {
    expect(layoutWaterfall([])).toEqual({ rows: [], totalMs: 0, startNanos: 0n });
    const w = layoutWaterfall([span('a', '', 0, 0)]);
    expect(w.rows[0]).toMatchObject({ left: 0, width: 0, durationMs: 0 });
  });

  it('puts ruler ticks at round steps', () => {
    expect(rulerTicks(3_200)).toEqual([0, 1_000, 2_000, 3_000]);
    expect(rulerTicks(100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(rulerTicks(12)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(rulerTicks(0)).toEqual([0]);
  });
});
