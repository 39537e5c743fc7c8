/** What the waterfall needs of a span (the API's span has these and more). */
export interface WaterfallSpan {
  spanId: string;
  parentSpanId: string;
  /** Epoch nanoseconds as decimal text (beyond 2^53, so exact only as BigInt). */
  startUnixNanos: string;
  durationNs: string;
}

export interface WaterfallRow<S> {
  span: S;
  /** Nesting level: 0 for roots. */
  depth: number;
  /** From the start of the trace. */
  offsetMs: number;
  durationMs: number;
  /** Bar position as fractions (0..1) of the trace's length. */
  left: number;
  width: number;
  childCount: number;
  /** Its parent is not in the trace (not sent, or from a service that is not instrumented). */
  orphan: boolean;
}

export interface Waterfall<S> {
  rows: WaterfallRow<S>[];
  totalMs: number;
  startNanos: bigint;
}

// Differences of epoch nanoseconds are small enough for a double; the epoch values are not.
const toMs = (ns: bigint) => Number(ns / 1000n) / 1000;

/**
 * Spans as an indented tree (parent → children by parentSpanId, siblings by start time), each
 * with its bar. Spans whose parent is missing start trees of their own, and a parent cycle in
 * bad data cannot loop: every span appears exactly once.
 */
export function layoutWaterfall<S extends WaterfallSpan>(spans: readonly S[]): Waterfall<S> {
  if (spans.length === 0) return { rows: [], totalMs: 0, startNanos: 0n };
  const start = (s: S) => BigInt(s.startUnixNanos);
  const end = (s: S) => start(s) + BigInt(s.durationNs);
  let first = start(spans[0]);
  let last = end(spans[0]);
  for (const s of spans) {
    if (start(s) < first) first = start(s);
    if (end(s) > last) last = end(s);
  }
  const totalNs = last - first;
  const totalMs = toMs(totalNs);

  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, S[]>();
  const roots: S[] = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else roots.push(s);
  }
  const byStart = (a: S, b: S) => {
    const d = start(a) - start(b);
    return d < 0n ? -1 : d > 0n ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
  };

  const rows: WaterfallRow<S>[] = [];
  const placed = new Set<S>();
  const visit = (tops: S[]) => {
    const stack: Array<{ span: S; depth: number }> = [...tops]
      .sort(byStart)
      .reverse()
      .map((span) => ({ span, depth: 0 }));
    while (stack.length) {
      const { span, depth } = stack.pop()!;
      if (placed.has(span)) continue;
      placed.add(span);
      const kids = (children.get(span.spanId) ?? []).filter((k) => !placed.has(k)).sort(byStart);
      const offsetNs = start(span) - first;
      const durNs = BigInt(span.durationNs);
      rows.push({
        span,
        depth,
        offsetMs: toMs(offsetNs),
        durationMs: toMs(durNs),
        left: totalNs > 0n ? Number(offsetNs) / Number(totalNs) : 0,
        width: totalNs > 0n ? Number(durNs) / Number(totalNs) : 0,
        childCount: kids.length,
        orphan: span.parentSpanId !== '' && !ids.has(span.parentSpanId),
      });
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1 });
    }
  };
  visit(roots);
  // Only spans caught in a parent cycle are left: show them rather than lose them.
  const rest = spans.filter((s) => !placed.has(s));
  if (rest.length) visit(rest);
  return { rows, totalMs, startNanos: first };
}

/** Time-ruler ticks (ms from the trace start) at a round step, about `count` of them. */
export function rulerTicks(totalMs: number, count = 5): number[] {
  if (!(totalMs > 0)) return [0];
  const raw = totalMs / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * pow).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t <= totalMs + 1e-9; t += step) ticks.push(Number(t.toFixed(6)));
  return ticks;
}
