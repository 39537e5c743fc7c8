import type { SpanRow } from '@meridian/domain';
import { QueryValidationError } from '../errors';
import { RowWriter } from '../write/row-writer';
import { TraceSearchQueries, type TraceSearchQuery } from './trace-search.queries';
import { makeDbSpanRow, makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';

const MS = 1_000_000n;
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const at = (offsetMs: number) => BigInt(BASE_MS + offsetMs) * MS;
const T = 'search-t';
const window = { from: new Date(BASE_MS - 60_000), to: new Date(BASE_MS + 20 * 60_000) };

/** A trace: a root served by `service`, `dbCalls` statements under it, each call 1 ms apart. */
function trace(
  startMs: number,
  durationMs: number,
  o: { service?: string; endpoint?: string; error?: boolean; dbCalls?: number; attrs?: Record<string, string> } = {},
) {
  const service = o.service ?? 'checkout';
  const endpoint = o.endpoint ?? 'GET /orders/{id}';
  const root = makeSpanRow({
    tenant_id: T,
    startNanos: at(startMs),
    durationMs,
    service,
    endpoint,
    span_name: endpoint,
    is_error: o.error ? 1 : 0,
    status_code: o.error ? 'ERROR' : 'UNSET',
    http_status: o.error ? 500 : 200,
    attributes: { 'http.route': '/orders/{id}', ...o.attrs },
    resource_attributes: { 'service.name': service, 'deployment.environment.name': service === 'checkout' ? 'prod' : 'staging' },
  });
  const calls = Array.from({ length: o.dbCalls ?? 0 }, (_, i) => makeDbSpanRow(root, { startNanos: at(startMs + 1 + i), durationMs: 0.5 }));
  return [root, ...calls];
}

describe('TraceSearchQueries', () => {
  let ch: TestClickHouse;
  let q: TraceSearchQueries;
  const traces: SpanRow[][] = [];
  const search = (o: Partial<TraceSearchQuery> = {}) => q.search('eu', T, { ...window, ...o });
  const ids = (r: { traces: Array<{ traceId: string }> }) => r.traces.map((t) => t.traceId);
  const rootOf = (i: number) => traces[i][0];

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu']);
    q = new TraceSearchQueries(ch.clients);
    // 0..5: a second apart; 2 fails; 3 is slow with an N+1; 4 is another service; 5 carries a user attribute.
    traces.push(
      trace(0, 20, { dbCalls: 2 }),
      trace(1000, 30, { dbCalls: 1 }),
      trace(2000, 40, { error: true, dbCalls: 1 }),
      trace(3000, 1500, { dbCalls: 12 }),
      trace(4000, 50, { service: 'catalog', endpoint: 'GET /items' }),
      trace(5000, 60, { attrs: { 'enduser.id': 'u-42' } }),
    );
    const outside = trace(-10 * 60_000, 10);
    const otherTenant = trace(2500, 10).map((s) => ({ ...s, tenant_id: 'other-tenant' }));
    const writer = new RowWriter(ch.clients);
    await writer.insert('eu', 'spans', toRowBody('spans', [...traces.flat(), ...outside, ...otherTenant]), 'search-1');
  });
  afterAll(() => ch.close());

  it('lists traces newest first with their root, duration, span and error counts; another tenant and the outside of the window stay out', async () => {
    // With no span filter, by the end of their transactions: 3 (1.5 s long) ends after 4.
    const r = await search();
    expect(ids(r)).toEqual([5, 3, 4, 2, 1, 0].map((i) => rootOf(i).trace_id));
    expect(r.nextCursor).toBeNull();
    expect(r.traces[1]).toMatchObject({ rootService: 'checkout', rootEndpoint: 'GET /orders/{id}', spanCount: 13, errorCount: 0, durationMs: 1500 });
    expect(r.traces[3]).toMatchObject({ spanCount: 2, errorCount: 1 });
    expect(r.traces[2]).toMatchObject({ rootService: 'catalog', services: ['catalog'] });
    expect(r.traces[5].startTime).toBe(new Date(BASE_MS).toISOString().replace('.000Z', '.000000000Z'));
    expect(ids(await search({ order: 'asc' }))).toEqual([0, 1, 2, 4, 3, 5].map((i) => rootOf(i).trace_id));
    // A span filter reads spans, by their start.
    expect(ids(await search({ service: 'checkout', order: 'asc' }))).toEqual([0, 1, 2, 3, 5].map((i) => rootOf(i).trace_id));
  });

  it('sorts by duration, filters by service, endpoint, duration, status and HTTP status', async () => {
    expect(ids(await search({ sort: 'duration', limit: 2 }))).toEqual([rootOf(3).trace_id, rootOf(5).trace_id]);
    expect(ids(await search({ service: 'catalog' }))).toEqual([rootOf(4).trace_id]);
    expect(ids(await search({ endpoint: 'SELECT orders' }))).toEqual([3, 2, 1, 0].map((i) => rootOf(i).trace_id));
    expect(ids(await search({ minMs: 1000 }))).toEqual([rootOf(3).trace_id]);
    // With no other filter the range is the transaction's: the N+1's 0.5 ms calls do not make trace 3 "fast".
    expect(ids(await search({ maxMs: 25 }))).toEqual([rootOf(0).trace_id]);
    expect(ids(await search({ status: 'error' }))).toEqual([rootOf(2).trace_id]);
    expect(ids(await search({ httpStatus: 500 }))).toEqual([rootOf(2).trace_id]);
    expect(ids(await search({ service: 'checkout', status: 'ok', minMs: 35, maxMs: 100 }))).toEqual([rootOf(5).trace_id]);
  });

  it('status = error (read from error_spans) finds what the same filters find over spans: failing children, other filters, pages, one tenant', async () => {
    const E = 'errors-t';
    const rows: SpanRow[] = [];
    const failing = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const [root, ...calls] = trace(i * 1000, 20 + i * 10, { error: i % 4 === 0, dbCalls: 2, service: i % 2 ? 'checkout' : 'catalog' });
      // Every third trace has a failing DB call under a root that did not fail.
      if (i % 3 === 0) calls[1] = { ...calls[1], is_error: 1, status_code: 'ERROR' };
      if (i % 3 === 0 || i % 4 === 0) failing.add(root.trace_id);
      rows.push(...[root, ...calls].map((r) => ({ ...r, tenant_id: E })));
    }
    const elsewhere = trace(500, 10, { error: true });
    await new RowWriter(ch.clients).insert(
      'eu',
      'spans',
      toRowBody('spans', [...rows, ...elsewhere.map((r) => ({ ...r, tenant_id: 'errors-other' }))]),
      'search-errors',
    );
    const find = (o: Partial<TraceSearchQuery>) => q.search('eu', E, { ...window, status: 'error', limit: 100, ...o });
    // An attribute filter every span matches (no such key) makes the same search read spans.
    const overSpans: Partial<TraceSearchQuery> = { attributes: [{ key: 'no.such.key', op: '!=', value: 'x' }] };
    expect(new Set(ids(await find({})))).toEqual(failing);
    for (const o of [
      {},
      { service: 'checkout' },
      { httpStatus: 500 },
      { minMs: 50 },
      { endpoint: 'SELECT orders' },
      { sort: 'duration' as const },
      { order: 'asc' as const },
    ]) {
      const direct = ids(await find(o));
      expect({ o, traces: direct }).toEqual({ o, traces: ids(await find({ ...o, ...overSpans })) });
      expect(direct.length).toBeGreaterThan(0);
      const paged: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20 && paged.length <= direct.length; page++) {
        const r = await find({ ...o, limit: 2, cursor });
        paged.push(...ids(r));
        if (!r.nextCursor) break;
        cursor = r.nextCursor;
      }
      expect({ o, traces: paged }).toEqual({ o, traces: direct });
    }
    expect(ids(await find({ httpStatus: 500 })).every((id) => failing.has(id))).toBe(true);
  });

  it('filters by span and resource attributes: =, != and re2 regex', async () => {
    expect(ids(await search({ attributes: [{ key: 'enduser.id', op: '=', value: 'u-42' }] }))).toEqual([rootOf(5).trace_id]);
    expect(ids(await search({ attributes: [{ key: 'enduser.id', op: '~', value: '^u-\\d+$' }] }))).toEqual([rootOf(5).trace_id]);
    expect(ids(await search({ resourceAttributes: [{ key: 'deployment.environment.name', op: '=', value: 'staging' }] }))).toEqual([rootOf(4).trace_id]);
    const notCheckout = await search({ service: 'checkout', attributes: [{ key: 'http.route', op: '!=', value: '/orders/{id}' }] });
    // DB calls have no http.route: they match !=, so every checkout trace with a call does (5 has none).
    expect(ids(notCheckout)).toEqual([3, 2, 1, 0].map((i) => rootOf(i).trace_id));
  });

  it('pages by cursor without repeating or losing a trace, also when a trace has many matching spans', async () => {
    for (const o of [
      {},
      { service: 'checkout' },
      { endpoint: 'SELECT orders' },
      { sort: 'duration' as const },
      { order: 'asc' as const, service: 'checkout' },
    ]) {
      const all = ids(await search({ ...o, limit: 100 }));
      const paged: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const r = await search({ ...o, limit: 2, cursor });
        paged.push(...ids(r));
        if (!r.nextCursor) break;
        cursor = r.nextCursor;
      }
      expect(paged).toEqual(all);
    }
  });

  it('finds a trace by id with or without dashes, in any case, and only in its tenant', async () => {
    const id = rootOf(3).trace_id;
    const dashed = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`.toUpperCase();
    expect(await q.byId('eu', T, dashed)).toMatchObject({ traceId: id, spanCount: 13 });
    expect(await q.byId('eu', 'other-tenant', id)).toBeUndefined();
    await expect(q.byId('eu', T, 'xyz')).rejects.toThrow(/traceId/);
  });

  it('refuses bad input with the field named', async () => {
    const field = async (o: Partial<TraceSearchQuery>) => {
      const e = await search(o).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(QueryValidationError);
      return (e as QueryValidationError).field;
    };
    expect(await field({ from: new Date(0), to: new Date(2 * 86400_000) })).toBe('to');
    expect(await field({ limit: 201 })).toBe('limit');
    expect(await field({ minMs: -1 })).toBe('minMs');
    expect(await field({ minMs: 10, maxMs: 5 })).toBe('maxMs');
    expect(await field({ httpStatus: 999 })).toBe('httpStatus');
    expect(await field({ attributes: [{ key: 'a', op: '~', value: '(?=x)' }] })).toBe('attrs');
    expect(await field({ attributes: [{ key: 'a', op: '~', value: 'x'.repeat(257) }] })).toBe('attrs');
    expect(await field({ resourceAttributes: [{ key: '', op: '=', value: 'x' }] })).toBe('resourceAttrs');
    expect(await field({ cursor: 'not-a-cursor' })).toBe('cursor');
    const { nextCursor } = await search({ limit: 1 });
    expect(await field({ cursor: nextCursor!, sort: 'duration' })).toBe('cursor');
    expect(TraceSearchQueries.parseAttributeFilters('attrs', 'a.b = 1\n\n c!=2 \nd~^x$')).toEqual([
      { key: 'a.b', op: '=', value: '1' },
      { key: 'c', op: '!=', value: '2' },
      { key: 'd', op: '~', value: '^x$' },
    ]);
    expect(() => TraceSearchQueries.parseAttributeFilters('attrs', 'no operator')).toThrow(/attrs/);
  });
});

describe('TraceSearchQueries, longest first over many transactions', () => {
  const L = 'longest-t';
  let ch: TestClickHouse;
  let q: TraceSearchQueries;
  // 400 transactions 1.5 s apart, durations 7 ms … 2.8 s in a shuffled order: enough that a page
  // reads only the slowest hitmap rows (the duration floor), and the pages must still be exact.
  const durations = Array.from({ length: 400 }, (_, i) => ((i * 151) % 400) * 7 + 7);
  const rows = durations.map((d, i) => makeSpanRow({ tenant_id: L, startNanos: at(i * 1500), durationMs: d, service: 'checkout', endpoint: 'GET /x' }));
  const byDuration = [...rows].sort((a, b) => Number(BigInt(b.duration_ns) - BigInt(a.duration_ns))).map((r) => r.trace_id);

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu']);
    q = new TraceSearchQueries(ch.clients);
    await new RowWriter(ch.clients).insert('eu', 'spans', toRowBody('spans', rows), 'longest-1');
  });
  afterAll(() => ch.close());

  it('pages through the slowest transactions exactly, cursor after cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 3; page++) {
      const r = await q.search('eu', L, { ...window, sort: 'duration', limit: 10, cursor });
      seen.push(...r.traces.map((t) => t.traceId));
      cursor = r.nextCursor ?? undefined;
    }
    expect(seen).toEqual(byDuration.slice(0, 30));
  });
});
