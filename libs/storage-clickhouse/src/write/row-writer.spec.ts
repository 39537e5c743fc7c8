import {
  encodeNativeRows,
  nanosToDateTime64,
  nativeWireTypes,
  ROW_COLUMNS,
  type RowBodyFormat,
  type RowsByTable,
  type RowTable,
  type SpanRow,
} from '@meridian/domain';
import { readdirSync } from 'node:fs';
import { RowInsertError } from '../errors';
import { RowWriter } from './row-writer';
import { makeDbSpanRow, makeLogRow, makeMetricPointRow, makeSpanRow, nowNanos, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';
import type { RegionStore } from '../clients';

/** Reads base-table rows back in the exact shape they were written (times as "sec.nanos", 64-bit ints as strings). */
async function readBack<T>(store: RegionStore, table: string, where: string): Promise<T[]> {
  const rs = await store.client.query({
    query: `SELECT * FROM ${store.table(table)} WHERE ${where} SETTINGS date_time_output_format = 'unix_timestamp', output_format_json_quote_64bit_integers = 1`,
    format: 'JSONEachRow',
  });
  return rs.json<T>();
}

async function scalar(store: RegionStore, sql: string): Promise<number> {
  const rs = await store.client.query({ query: sql, format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: number | string }>();
  return Number(row.v);
}

const FORMATS: RowBodyFormat[] = ['JSONCompactEachRow', 'Native'];

/** The rows as a body in `format`: what intake puts on the bus (Native) or what older builds did. */
function bodyIn<T extends RowTable>(format: RowBodyFormat, table: T, rows: RowsByTable[T][number][]): Buffer {
  return format === 'Native' ? encodeNativeRows(table, rows) : toRowBody(table, rows);
}

describe('RowWriter', () => {
  let ch: TestClickHouse;
  let writer: RowWriter;
  beforeAll(async () => {
    ch = await openTestClickHouse(['eu', 'kr']);
    writer = new RowWriter(ch.clients);
  });
  afterAll(() => ch.close());

  it.each(FORMATS)('round-trips a span with every column populated: nanosecond times, maps, arrays, enums, UTF-8 (%s)', async (format) => {
    const start = nowNanos(123_457n); // sub-millisecond part must survive
    const row: SpanRow = makeSpanRow({
      tenant_id: `tenant-roundtrip-${format}`,
      ts: nanosToDateTime64(start),
      duration_ns: '1234567891',
      parent_span_id: 'a1b2c3d4e5f60718',
      trace_state: 'vendor=abc,other=1',
      service: '決済-サービス',
      span_name: 'POST /api/주문',
      endpoint: 'POST /api/주문',
      kind: 'CONSUMER',
      txn_service: '決済-サービス',
      txn_endpoint: 'POST /api/주문',
      status_code: 'ERROR',
      status_message: `it's a "quoted" \\ backslash\nnewline`,
      is_error: 1,
      http_method: 'POST',
      http_status: 503,
      http_route: '/api/주문',
      url_path: '/api/주문?x=1',
      db_system: 'mysql',
      db_name: 'shop',
      db_instance: 'mysql-1:3306',
      db_operation: 'INSERT',
      db_statement: "INSERT INTO t VALUES ('x')",
      db_fingerprint: 'insert into t values (?)',
      peer_service: 'payments',
      host_name: 'host-1',
      scope_name: 'scope',
      scope_version: '1.2.3',
      resource_attributes: { 'service.name': '決済-サービス', 'k8s.pod.name': 'pod-1' },
      attributes: { 'http.request.method': 'POST', empty: '' },
      events_ts: [nanosToDateTime64(start + 1n), nanosToDateTime64(start + 999_999_999n)],
      events_name: ['exception', 'retry'],
      events_attributes: [{ 'exception.message': 'boom' }, {}],
      links_trace_id: ['0123456789abcdef0123456789abcdef'],
      links_span_id: ['0123456789abcdef'],
      retention_days: 30,
    });
    await writer.insert('eu', 'spans', bodyIn(format, 'spans', [row]), `roundtrip-${format}`, format);
    const [back] = await readBack<SpanRow>(ch.stores.eu, 'spans', `span_id = '${row.span_id}'`);
    expect(back).toEqual(row);
    expect(back.ts).toBe(nanosToDateTime64(start));
  });

  it.each(FORMATS)('round-trips metric points and logs, and rolls gauges up per series and minute (%s)', async (format) => {
    const tenant = `tenant-metrics-${format}`;
    const minute = (BigInt(Math.floor(Date.now() / 60_000)) - 2n) * 60_000_000_000n;
    const attrs = { state: 'idle', cpu: '0' };
    const gauges = [0.25, 0.75, 0.5].map((value, i) =>
      makeMetricPointRow({
        tenant_id: tenant,
        value,
        attributes: i === 1 ? { cpu: '0', state: 'idle' } : attrs,
        ts: nanosToDateTime64(minute + BigInt(i) * 10_000_000_000n),
      }),
    );
    const histogram = makeMetricPointRow({
      tenant_id: tenant,
      metric_name: 'http.server.request.duration',
      metric_type: 'HISTOGRAM',
      temporality: 'DELTA',
      unit: 's',
      value: 0,
      count: '9007199254740993', // > 2^53: must stay exact
      sum: 12.5,
      min: 0.001,
      max: 3.5,
      bucket_counts: ['1', '2', '9007199254740993'],
      explicit_bounds: [0.1, 1],
      start_ts: nanosToDateTime64(minute - 60_000_000_000n),
    });
    await writer.insert('eu', 'metric_points', bodyIn(format, 'metric_points', [...gauges, histogram]), `metrics-${format}`, format);
    const back = await readBack<Record<string, unknown>>(ch.stores.eu, 'metric_points', `tenant_id = '${tenant}' AND metric_type = 'HISTOGRAM'`);
    expect(back).toEqual([histogram]);

    const rs = await ch.stores.eu.client.query({
      // toUInt32: 64-bit integers come quoted from a ClickHouse server (JSON default) and bare from chdb
      query: `SELECT toUInt32(count()) AS series, toUInt32(sum(count)) AS n, min(min) AS lo, max(max) AS hi, sum(sum) AS total, argMaxMerge(last) AS last
        FROM ${ch.stores.eu.table('metric_rollup_1m')} WHERE tenant_id = '${tenant}' GROUP BY minute`,
      format: 'JSONEachRow',
    });
    // key order of the attributes map must not split the series
    expect(await rs.json()).toEqual([{ series: 1, n: 3, lo: 0.25, hi: 0.75, total: 1.5, last: 0.5 }]);

    const log = makeLogRow({
      tenant_id: `tenant-logs-${format}`,
      trace_id: 'abcdefabcdefabcdefabcdefabcdefab',
      span_id: 'abcdefabcdefabcd',
      body: 'ログ {"k": "v"} 로그',
      attributes: { a: 'b' },
    });
    await writer.insert('eu', 'logs', bodyIn(format, 'logs', [log]), `logs-${format}`, format);
    expect(await readBack(ch.stores.eu, 'logs', `tenant_id = 'tenant-logs-${format}'`)).toEqual([log]);
  });

  describe('deduplication', () => {
    const tenant = 'tenant-dedup';
    /** Totals of the base table and every materialized-view target for the tenant. */
    const snapshot = async (store: RegionStore) => ({
      spans: await scalar(store, `SELECT count() AS v FROM ${store.table('spans')} WHERE tenant_id = '${tenant}'`),
      traceSpans: await scalar(store, `SELECT sum(span_count) AS v FROM ${store.table('trace_summaries')} WHERE tenant_id = '${tenant}'`),
      traces: await scalar(store, `SELECT uniqExact(trace_id) AS v FROM ${store.table('trace_summaries')} WHERE tenant_id = '${tenant}'`),
      hits: await scalar(store, `SELECT sum(hits) AS v FROM ${store.table('hitmap_5s')} WHERE tenant_id = '${tenant}'`),
      red: await scalar(store, `SELECT sum(count) AS v FROM ${store.table('service_red_1m')} WHERE tenant_id = '${tenant}'`),
      sqlCalls: await scalar(store, `SELECT sum(calls) AS v FROM ${store.table('sql_stats_1m')} WHERE tenant_id = '${tenant}'`),
    });
    /** 20 transactions with 3 DB calls each. */
    const batch = (format: RowBodyFormat = 'JSONCompactEachRow') => {
      const rows: SpanRow[] = [];
      for (let i = 0; i < 20; i++) {
        const root = makeSpanRow({ tenant_id: tenant, durationMs: 50 + i * 100 });
        rows.push(root, ...[0, 1, 2].map(() => makeDbSpanRow(root)));
      }
      return bodyIn(format, 'spans', rows);
    };

    it('re-inserting the same body with the same token changes nothing, in spans and in every MV target', async () => {
      const store = ch.stores.kr;
      const body = batch();
      await writer.insert('kr', 'spans', body, 'batch-A');
      const once = await snapshot(store);
      expect(once).toEqual({ spans: 80, traceSpans: 80, traces: 20, hits: 20, red: 20, sqlCalls: 60 });
      await writer.insert('kr', 'spans', body, 'batch-A');
      await writer.insert('kr', 'spans', Buffer.from(body), 'batch-A'); // a fresh copy of the bytes, as after a redelivery
      expect(await snapshot(store)).toEqual(once);

      await writer.insert('kr', 'spans', body, 'batch-B');
      expect(await snapshot(store)).toEqual({ spans: 160, traceSpans: 160, traces: 20, hits: 40, red: 40, sqlCalls: 120 });
    });

    it('a Native body with the same token is a no-op too; the embedded insert leaves no file behind', async () => {
      const store = ch.stores.kr;
      const before = await snapshot(store);
      const body = batch('Native');
      await writer.insert('kr', 'spans', body, 'native-A', 'Native');
      await writer.insert('kr', 'spans', Buffer.from(body), 'native-A', 'Native');
      const after = await snapshot(store);
      expect(after.spans - before.spans).toBe(80);
      expect(after.sqlCalls - before.sqlCalls).toBe(60);
      if (store.insertSpool) expect(readdirSync(store.insertSpool)).toEqual([]);
    });

    it('takes a body in parts (a batch’s messages, never joined): the same insert as the joined body, so the same token makes that a no-op', async () => {
      const store = ch.stores.kr;
      const before = await snapshot(store);
      const body = batch('Native');
      await writer.insert('kr', 'spans', [body, body], 'parts-A', 'Native');
      await writer.insert('kr', 'spans', Buffer.concat([body, body]), 'parts-A', 'Native');
      const after = await snapshot(store);
      expect(after.spans - before.spans).toBe(160);
      expect(after.sqlCalls - before.sqlCalls).toBe(120);
    });

    it('does not leak one insert’s token into the next (a different batch right after is stored)', async () => {
      const store = ch.stores.kr;
      const before = await snapshot(store);
      await writer.insert('kr', 'spans', batch(), `token-with-'quote'-and-\\`);
      await writer.insert('kr', 'spans', batch(), 'batch-C');
      const after = await snapshot(store);
      expect(after.spans - before.spans).toBe(160);
    });
  });

  it('stores a batch while a slow read is running: inserts have their own connection, so one tenant’s heavy read holds up no ingest', async () => {
    const store = ch.stores.eu;
    let readDone = false;
    const slowRead = store.client
      .query({ query: 'SELECT sleepEachRow(1), {tenant:String} FROM numbers(3)', query_params: { tenant: 't-slow' }, format: 'JSON' })
      .then((rs) => rs.json())
      .then(() => (readDone = true));
    await new Promise((r) => setTimeout(r, 200)); // the read is running
    const tenant = 'tenant-beside-a-slow-read';
    await writer.insert('eu', 'spans', encodeNativeRows('spans', [makeSpanRow({ tenant_id: tenant })]), 'beside-slow-read', 'Native');
    expect(readDone).toBe(false);
    await slowRead;
    expect(await scalar(store, `SELECT count() AS v FROM ${store.table('spans')} WHERE tenant_id = '${tenant}'`)).toBe(1);
  });

  it.each(['spans', 'metric_points', 'logs'] as const)(
    'Native wire types of %s are the table’s own (Enum columns travel as String, span map values as LowCardinality)',
    async (table) => {
      const rs = await ch.stores.eu.client.query({
        query: 'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String}',
        query_params: { db: ch.stores.eu.database, table },
        format: 'JSONEachRow',
      });
      const types = new Map((await rs.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
      const wire = nativeWireTypes(table);
      for (const column of ROW_COLUMNS[table] as readonly string[]) {
        const type = types.get(column)!;
        // The two casts ClickHouse makes on insert (input_format_native_allow_types_conversion).
        const expected = type.startsWith('Enum8(')
          ? 'String'
          : table === 'spans' && type === 'Map(LowCardinality(String), String)'
            ? 'Map(LowCardinality(String), LowCardinality(String))'
            : type;
        expect(`${column} ${wire[column]}`).toBe(`${column} ${expected}`);
      }
    },
  );

  it('classifies bad data as permanent and a missing table as retryable', async () => {
    const bad = writer.insert('eu', 'spans', Buffer.from('{"tenant_id":"t","ts":"not a time"}\n'), 'bad-1');
    await expect(bad).rejects.toBeInstanceOf(RowInsertError);
    await expect(bad).rejects.toMatchObject({ permanent: true });

    const notJson = writer.insert('eu', 'spans', Buffer.from('this is not json\n'), 'bad-2');
    await expect(notJson).rejects.toMatchObject({ permanent: true });

    const fresh = await openTestClickHouse(['x'], { migrate: false });
    try {
      const w = new RowWriter(fresh.clients);
      const missing = w.insert('x', 'spans', toRowBody('spans', [makeSpanRow()]), 'missing-1');
      await expect(missing).rejects.toMatchObject({ name: 'RowInsertError', permanent: false });
      await expect(missing).rejects.toThrow(/\.spans \(region "x"/);
    } finally {
      await fresh.close();
    }
  });

  it('classifies what a hostile row can do to an insert as data errors (isolate, never retry for ever)', async () => {
    const span = (patch: (line: string) => string) => Buffer.from(patch(toRowBody('spans', [makeSpanRow({ tenant_id: 'tenant-poison' })]).toString()));
    const afterYear2262 = span((l) => l.replace(/^\["tenant-poison","\d+\.\d+"/, '["tenant-poison","10413792000.000000000"'));
    const loneSurrogate = span((l) => l.replace('"checkout"', '"\\ud800"'));
    const negativeStatus = span((l) => l.replace(',200,', ',-1,'));
    const hugeStatus = span((l) => l.replace(',200,', ',1e300,'));
    const cases = { afterYear2262, loneSurrogate, negativeStatus, hugeStatus };
    const seen: Record<string, unknown> = {};
    for (const [name, body] of Object.entries(cases)) {
      seen[name] = await writer.insert('eu', 'spans', body, `poison-${name}`).then(
        () => 'stored',
        (e: RowInsertError) => ({ errorClass: e.errorClass, permanent: e.permanent }),
      );
    }
    const refused = { errorClass: 'data', permanent: true };
    expect(seen).toEqual({ afterYear2262: refused, loneSurrogate: refused, negativeStatus: refused, hugeStatus: refused });
  });

  it('check parses rows as an insert would and stores nothing', async () => {
    const good = toRowBody('spans', [makeSpanRow({ tenant_id: 'tenant-check' }), makeSpanRow({ tenant_id: 'tenant-check' })]);
    await expect(writer.check('eu', 'spans', good)).resolves.toBeUndefined();
    expect(await scalar(ch.stores.eu, `SELECT count() AS v FROM ${ch.stores.eu.table('spans')} WHERE tenant_id = 'tenant-check'`)).toBe(0);
    const overflow = Buffer.from(good.toString().replace(/^\["tenant-check","\d+\.\d+"/, '["tenant-check","10413792000.000000000"'));
    await expect(writer.check('eu', 'spans', overflow)).rejects.toMatchObject({ name: 'RowInsertError', errorClass: 'data', clickhouseCode: '407' });
    const log = toRowBody('logs', [makeLogRow({ tenant_id: 'tenant-check' })]);
    await expect(writer.check('eu', 'logs', log)).resolves.toBeUndefined();
    await expect(writer.check('eu', 'logs', Buffer.from(log.toString().replace('"INFO"', '"\\ud800"')))).rejects.toMatchObject({
      errorClass: 'data',
      clickhouseCode: '25',
    });
  });

  it('stores a batch spanning more than 100 days in one insert (partitions are days)', async () => {
    const day = 86_400_000_000_000n;
    const rows = Array.from({ length: 120 }, (_, i) =>
      makeSpanRow({ tenant_id: 'tenant-days', startNanos: nowNanos() - BigInt(i) * day, retention_days: 400 }),
    );
    await writer.insert('eu', 'spans', toRowBody('spans', rows), 'days-120');
    expect(await scalar(ch.stores.eu, `SELECT count() AS v FROM ${ch.stores.eu.table('spans')} WHERE tenant_id = 'tenant-days'`)).toBe(120);
  });

  it('refuses unknown tables, unknown regions and empty tokens; an empty body is a no-op', async () => {
    await expect(writer.insert('eu', 'hitmap_5s' as never, Buffer.from('{}\n'), 't')).rejects.toThrow(/not a row table/);
    await expect(writer.insert('mars', 'spans', Buffer.from('{}\n'), 't')).rejects.toThrow(/unknown region "mars"/);
    await expect(writer.insert('eu', 'spans', Buffer.from('{}\n'), '')).rejects.toThrow(/dedupToken/);
    await expect(writer.insert('eu', 'spans', Buffer.alloc(0), 'empty')).resolves.toBeUndefined();
  });
});
