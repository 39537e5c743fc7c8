import { SpanKind } from '@opentelemetry/api';
import { pickEntry, planTransaction, type PlannedSpan, type PlannedTransaction } from './plan';
import { createRng } from './prng';
import { ENDPOINTS, endpointKey } from './scenarios';

function plans(count: number, seed: number): PlannedTransaction[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => planTransaction(pickEntry(rng), rng));
}

function walk(span: PlannedSpan, visit: (span: PlannedSpan, parent?: PlannedSpan) => void, parent?: PlannedSpan): void {
  visit(span, parent);
  for (const child of span.children) walk(child, visit, span);
}

function entries(txs: PlannedTransaction[]): PlannedSpan[] {
  const out: PlannedSpan[] = [];
  for (const tx of txs) walk(tx.root, (s) => s.record.kind === 'entry' && out.push(s));
  return out;
}

describe('transaction planner', () => {
  const sample = plans(3000, 7);

  it('reaches every endpoint of the scenario table and renders all its templates', () => {
    const seen = new Set(entries(sample).map((s) => (s.record.kind === 'entry' ? endpointKey(s.record.endpoint) : '')));
    expect([...seen].sort()).toEqual(ENDPOINTS.map(endpointKey).sort());
    const unrendered: string[] = [];
    for (const tx of sample) {
      walk(tx.root, (s) => {
        for (const [key, value] of Object.entries(s.attributes)) {
          if (key !== 'http.route' && typeof value === 'string' && /\{\w+\}/.test(value)) unrendered.push(`${key}=${value}`);
        }
      });
    }
    expect(unrendered).toEqual([]);
  });

  it('keeps every child inside its parent and counts every span', () => {
    const problems: string[] = [];
    for (const tx of sample) {
      let count = 0;
      walk(tx.root, (s, parent) => {
        count++;
        if (!(s.durationUs > 0)) problems.push(`${s.name}: duration ${s.durationUs}`);
        if (parent && (s.offsetUs < 0 || s.offsetUs + s.durationUs > parent.durationUs)) {
          problems.push(`${s.name} [${s.offsetUs}+${s.durationUs}] outside ${parent.name} [0+${parent.durationUs}]`);
        }
      });
      if (count !== tx.spanCount) problems.push(`${tx.root.name}: ${count} spans, spanCount ${tx.spanCount}`);
    }
    expect(problems).toEqual([]);
  });

  it('is a pure function of the seed', () => {
    const shape = (txs: PlannedTransaction[]) =>
      txs.map((tx) => JSON.stringify(tx.root, (k, v) => (k === 'service' || k === 'endpoint' || k === 'db' ? undefined : v)));
    expect(shape(plans(50, 99))).toEqual(shape(plans(50, 99)));
    expect(shape(plans(50, 99))).not.toEqual(shape(plans(50, 100)));
  });

  it('makes GET /api/orders an N+1: 20–60 order_items queries with different literals', () => {
    const orders = entries(sample).filter((s) => s.record.kind === 'entry' && s.record.endpoint.route === '/api/orders');
    expect(orders.length).toBeGreaterThan(50);
    for (const span of orders) {
      const items = span.children.filter((c) => String(c.attributes['db.statement']).startsWith('SELECT * FROM order_items WHERE order_id = '));
      expect(items.length).toBeGreaterThanOrEqual(20);
      expect(items.length).toBeLessThanOrEqual(60);
      expect(new Set(items.map((c) => c.attributes['db.statement'])).size).toBeGreaterThan(items.length / 2);
    }
  });

  it('fails about 8 % of payments with a 500, an exception and an error log, and the caller answers 502', () => {
    const pays = entries(sample).filter((s) => s.record.kind === 'entry' && s.record.endpoint.route === '/api/pay');
    const failed = pays.filter((s) => s.record.kind === 'entry' && s.record.status === 500);
    expect(failed.length / pays.length).toBeGreaterThan(0.04);
    expect(failed.length / pays.length).toBeLessThan(0.13);
    for (const span of failed) {
      expect(span.error?.exception?.type).toBe('PaymentProviderTimeoutError');
      expect(span.logs.map((l) => l.severity)).toEqual(['ERROR']);
      // the PSP call timed out and the capture UPDATE never ran
      const last = span.children[span.children.length - 1];
      expect(last.kind).toBe(SpanKind.CLIENT);
      expect(last.error).toBeDefined();
      expect(last.durationUs).toBeGreaterThan(2_900_000);
    }
    const checkouts = entries(sample).filter((s) => s.record.kind === 'entry' && s.record.endpoint.route === '/api/checkout');
    const upstreamFailures = checkouts.filter((s) =>
      s.children.some(
        (c) => c.children[0]?.record.kind === 'entry' && c.children[0].record.status === 500 && c.children[0].record.endpoint.route === '/api/pay',
      ),
    );
    expect(upstreamFailures.length).toBe(failed.length);
    for (const span of upstreamFailures) {
      expect(span.record.kind === 'entry' && span.record.status).toBe(502);
      expect(span.error?.exception?.type).toBe('UpstreamError');
    }
  });

  it('gives the hitmap shape: fast pages, lock-wait tails of 2–9 s, reports of 10–40 s', () => {
    const roots = sample.map((tx) => ({ route: tx.entry.route, ms: tx.root.durationUs / 1000 }));
    const home = roots
      .filter((r) => r.route === '/')
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    expect(home[Math.floor(home.length / 2)]).toBeLessThan(100);
    const reports = roots.filter((r) => r.route === 'report-requests');
    expect(reports.length).toBeGreaterThan(20);
    const inRange = reports.filter((r) => r.ms >= 10_000 && r.ms <= 40_000);
    expect(inRange.length / reports.length).toBeGreaterThan(0.9);
    const lockWaits = entries(sample).filter((s) => s.service.name === 'inventory-api' && s.durationUs >= 2_000_000);
    expect(lockWaits.length).toBeGreaterThan(5);
    for (const s of lockWaits) expect(s.durationUs).toBeLessThan(12_000_000);
  });
});
