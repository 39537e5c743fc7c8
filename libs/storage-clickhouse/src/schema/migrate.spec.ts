import { migrateRegion, appliedVersions } from './migrate';
import { MIGRATIONS, STORED_TABLES, DEDUP_WINDOW } from './schema';
import { RowWriter } from '../write/row-writer';
import { TelemetryQueries } from '../queries/telemetry.queries';
import type { SpanRow } from '@meridian/domain';
import type { RegionStore } from '../clients';
import { makeDbSpanRow, makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';

describe('migrateRegion', () => {
  let ch: TestClickHouse;
  beforeAll(async () => {
    ch = await openTestClickHouse(['eu', 'crash', 'upgrade', 'upgrade5', 'upgrade6', 'upgrade13', 'upgrade14', 'stay13', 'upgrade15', 'stay14'], {
      migrate: false,
    });
  });
  afterAll(() => ch.close());

  const tables = async (db: string) => {
    const rs = await ch.stores.eu.client.query({
      query: `SELECT name, engine, engine_full, sorting_key, create_table_query FROM system.tables WHERE database = {db:String} ORDER BY name`,
      format: 'JSONEachRow',
      query_params: { db },
    });
    return rs.json<{ name: string; engine: string; engine_full: string; sorting_key: string; create_table_query: string }>();
  };

  it('applies every migration once, records versions, and is a no-op the second time', async () => {
    const store = ch.stores.eu;
    const first = await migrateRegion(store);
    expect(first).toEqual(MIGRATIONS.map((m) => m.name));
    const second = await migrateRegion(store);
    expect(second).toEqual([]);
    expect(await appliedVersions(store)).toEqual(MIGRATIONS.map((m) => m.version));

    const rs = await store.client.query({
      query: `SELECT version, name, applied_at FROM ${store.table('schema_migrations')} ORDER BY version`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ version: number; name: string; applied_at: string }>();
    expect(rows.map((r) => [Number(r.version), r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    expect(rows.every((r) => r.applied_at.length > 0)).toBe(true);
  });

  it('every stored table leads its sort key with tenant_id, has a retention TTL, codecs and the dedup window', async () => {
    const all = await tables(ch.stores.eu.database);
    const byName = new Map(all.map((t) => [t.name, t]));
    for (const name of STORED_TABLES) {
      const t = byName.get(name);
      expect({ name, exists: !!t }).toEqual({ name, exists: true });
      expect({ name, key: t!.sorting_key.split(',')[0].trim() }).toEqual({ name, key: 'tenant_id' });
      expect(t!.engine_full).toMatch(/TTL toDateTime\(\w+\) \+ toIntervalDay\(least\(retention_days, 3650\)\)/);
      expect(t!.engine_full).toContain(`non_replicated_deduplication_window = ${DEDUP_WINDOW}`);
      expect(t!.create_table_query).toMatch(/CODEC\((Delta|T64)/);
    }
    expect(byName.get('spans')!.sorting_key).toBe('tenant_id, service, endpoint, ts');
    expect(byName.get('spans')!.engine_full).toContain('PARTITION BY toYYYYMMDD(ts)');
    for (const mv of ['trace_summaries_mv', 'error_spans_mv', 'hitmap_5s_mv', 'service_red_1m_mv', 'sql_stats_1m_mv', 'metric_rollup_1m_mv']) {
      expect(byName.get(mv)?.engine).toBe('MaterializedView');
    }
    const spans = byName.get('spans')!.create_table_query;
    for (const index of ['idx_trace_id', 'idx_duration', 'idx_db_fingerprint_hash', 'idx_http_status']) expect(spans).toContain(`INDEX ${index}`);
    expect(spans).toMatch(/`?kind`? Enum8\('UNSPECIFIED' = 0, 'INTERNAL' = 1, 'SERVER' = 2, 'CLIENT' = 3, 'PRODUCER' = 4, 'CONSUMER' = 5\)/);
  });

  it('finishes a migration that crashed half-way (statements are idempotent)', async () => {
    const store = ch.stores.crash;
    await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${store.database}` });
    // Simulate a crash after the first half of migration 1: tables exist, version not recorded.
    const stmts = MIGRATIONS[0].statements(store.database);
    for (const s of stmts.slice(0, Math.ceil(stmts.length / 2))) await store.client.command({ query: s });
    expect(await migrateRegion(store)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await appliedVersions(store)).toEqual(MIGRATIONS.map((m) => m.version));
    expect((await tables(store.database)).map((t) => t.name)).toEqual((await tables(ch.stores.eu.database)).map((t) => t.name));
  });

  it('an upgrade backfills the tenant hitmap rollup from existing data, once', async () => {
    const store = ch.stores.upgrade;
    await migrateRegion(
      store,
      MIGRATIONS.filter((m) => m.version < 4),
    );
    const rows = Array.from({ length: 30 }, (_, i) => makeSpanRow({ tenant_id: 'up', durationMs: 100 + i * 300 }));
    await new RowWriter(ch.clients).insert('upgrade', 'spans', toRowBody('spans', rows), 'before-upgrade');
    const total = async (table: string) => {
      const rs = await store.client.query({
        query: `SELECT toUInt32(sum(hits)) AS n FROM ${store.table(table)} WHERE tenant_id = 'up'`,
        format: 'JSONEachRow',
      });
      return (await rs.json<{ n: number }>())[0].n;
    };
    expect(await total('hitmap_5s')).toBe(30);
    expect(
      await migrateRegion(
        store,
        MIGRATIONS.filter((m) => m.version <= 4),
      ),
    ).toEqual(['hitmap_tenant_rollup']);
    expect(await total('hitmap_tenant_5s')).toBe(30);
    // Rerunning the statements (as after a crash before the version was recorded) adds nothing.
    for (const sql of MIGRATIONS.find((m) => m.version === 4)!.statements(store.database)) await store.client.command({ query: sql });
    expect(await total('hitmap_tenant_5s')).toBe(30);
  });

  it('an upgrade backfills transactions_by_end from the entry spans already stored, once, and the view keeps it current', async () => {
    const store = ch.stores.upgrade5;
    await migrateRegion(
      store,
      MIGRATIONS.filter((m) => m.version < 5),
    );
    const writer = new RowWriter(ch.clients);
    const old = Array.from({ length: 20 }, (_, i) => makeSpanRow({ tenant_id: 'up', durationMs: 100 + i * 100, is_error: i % 4 === 0 ? 1 : 0 }));
    await writer.insert('upgrade5', 'spans', toRowBody('spans', [...old, makeSpanRow({ tenant_id: 'up', is_entry: 0, kind: 'INTERNAL' })]), 'before-v5');
    const count = async () => {
      const rs = await store.client.query({
        query: `SELECT toUInt32(count()) AS n, toUInt32(sum(is_error)) AS e FROM ${store.table('transactions_by_end')} WHERE tenant_id = 'up'`,
        format: 'JSONEachRow',
      });
      return (await rs.json<{ n: number; e: number }>())[0];
    };
    expect(
      await migrateRegion(
        store,
        MIGRATIONS.filter((m) => m.version <= 5),
      ),
    ).toEqual(['transactions_by_end']);
    expect(await count()).toEqual({ n: 20, e: 5 });
    for (const sql of MIGRATIONS.find((m) => m.version === 5)!.statements(store.database)) await store.client.command({ query: sql });
    expect(await count()).toEqual({ n: 20, e: 5 });
    await writer.insert('upgrade5', 'spans', toRowBody('spans', [makeSpanRow({ tenant_id: 'up', durationMs: 3000 })]), 'after-v5');
    expect(await count()).toEqual({ n: 21, e: 5 });
    const rs = await store.client.query({
      query: `SELECT sorting_key FROM system.tables WHERE database = {db:String} AND name = 'transactions_by_end'`,
      format: 'JSONEachRow',
      query_params: { db: store.database },
    });
    expect((await rs.json<{ sorting_key: string }>())[0].sorting_key).toBe('tenant_id, toStartOfMinute(end_ts), duration_ns');
  });

  it('traces indexed before trace_index kept services stay readable whole, also when they continue after the upgrade', async () => {
    const store = ch.stores.upgrade6;
    await migrateRegion(
      store,
      MIGRATIONS.filter((m) => m.version < 6),
    );
    const writer = new RowWriter(ch.clients);
    const root = makeSpanRow({ tenant_id: 'up' });
    const before = makeSpanRow({ tenant_id: 'up', trace_id: root.trace_id, parent_span_id: root.span_id, service: 'billing' });
    await writer.insert('upgrade6', 'spans', toRowBody('spans', [root, before]), 'before-v6');
    expect(
      await migrateRegion(
        store,
        MIGRATIONS.filter((m) => m.version <= 6),
      ),
    ).toEqual(['trace_index_services']);
    // A span of a third service after the upgrade: trace_index now knows only that service.
    const after = makeSpanRow({ tenant_id: 'up', trace_id: root.trace_id, parent_span_id: root.span_id, service: 'shipping' });
    await writer.insert('upgrade6', 'spans', toRowBody('spans', [after]), 'after-v6');
    const rs = await store.client.query({
      query: `SELECT groupUniqArrayArray(services) AS s FROM ${store.table('trace_index')} WHERE trace_id = {t:String}`,
      format: 'JSONEachRow',
      query_params: { t: root.trace_id },
    });
    expect((await rs.json<{ s: string[] }>())[0].s).toEqual(['shipping']);
    // The later migrations copy those partial services into trace_summaries, and the trace reads whole.
    await migrateRegion(store);
    const trace = await new TelemetryQueries(ch.clients).traceById('upgrade6', 'up', root.trace_id);
    expect(trace!.spans.map((s) => s.spanId).sort()).toEqual([root.span_id, before.span_id, after.span_id].sort());
  });

  it('an upgrade to 12–13 copies stored errors into error_spans and trace_index into trace_summaries, once; the views keep both current', async () => {
    const store = ch.stores.upgrade13;
    await migrateRegion(
      store,
      MIGRATIONS.filter((m) => m.version < 12),
    );
    const upTo13 = MIGRATIONS.filter((m) => m.version <= 13);
    const writer = new RowWriter(ch.clients);
    const root = makeSpanRow({ tenant_id: 'up', is_error: 1, http_status: 503 });
    const child = makeSpanRow({ tenant_id: 'up', trace_id: root.trace_id, parent_span_id: root.span_id, service: 'billing' });
    const other = makeSpanRow({ tenant_id: 'up' });
    await writer.insert('upgrade13', 'spans', toRowBody('spans', [root, child, other]), 'before-v12');
    const read = async (sql: string) => {
      const rs = await store.client.query({ query: sql, format: 'JSONEachRow', query_params: { t: root.trace_id } });
      return rs.json<Record<string, unknown>>();
    };
    const errors = () => read(`SELECT span_id, http_status FROM ${store.table('error_spans')} WHERE tenant_id = 'up' ORDER BY span_id`);
    const summary = () =>
      read(
        `SELECT toUInt32(sum(span_count)) AS spans, toUInt32(sum(error_count)) AS errors, argMinIfMerge(root_service) AS root, arraySort(groupUniqArrayArray(services)) AS services
        FROM ${store.table('trace_summaries')} WHERE tenant_id = 'up' AND trace_id = {t:String}`,
      );
    expect(await migrateRegion(store, upTo13)).toEqual(['error_spans', 'trace_summaries']);
    expect(await errors()).toEqual([{ span_id: root.span_id, http_status: 503 }]);
    const copied = { spans: 2, errors: 1, root: root.service, services: [root.service, 'billing'].sort() };
    expect(await summary()).toEqual([copied]);
    // Rerun (a crash before the versions were recorded): nothing is copied twice.
    for (const m of upTo13.filter((x) => x.version >= 12)) for (const sql of m.statements(store.database)) await store.client.command({ query: sql });
    expect(await errors()).toEqual([{ span_id: root.span_id, http_status: 503 }]);
    expect(await summary()).toEqual([copied]);
    // After the upgrade only the new views write: a late error span of the trace is counted once.
    const late = makeSpanRow({ tenant_id: 'up', trace_id: root.trace_id, parent_span_id: root.span_id, service: 'shipping', is_error: 1 });
    await writer.insert('upgrade13', 'spans', toRowBody('spans', [late]), 'after-v13');
    expect((await errors()).map((r) => r.span_id)).toEqual([root.span_id, late.span_id].sort());
    expect(await summary()).toEqual([{ ...copied, spans: 3, errors: 2, services: [...copied.services, 'shipping'].sort() }]);
    expect(await read(`SELECT toUInt32(sum(span_count)) AS n FROM ${store.table('trace_index')} WHERE trace_id = {t:String}`)).toEqual([{ n: 2 }]);
    const trace = await new TelemetryQueries(ch.clients).traceById('upgrade13', 'up', root.trace_id);
    expect(trace!.spans).toHaveLength(3);
  });

  /**
   * Spans that exercise every view migration 14 changes: entry spans over the hitmap's bands and
   * two endpoints, errors, HTTP/peer/messaging/database client spans and the server spans they
   * call (service map), in 5 s buckets and minutes of their own.
   */
  function viewSpans(tenant: string, startMs: number): SpanRow[] {
    const rows: SpanRow[] = [];
    const ms = (offset: number) => BigInt(startMs + offset) * 1_000_000n;
    [3, 130, 4_999, 5_000, 9_999.999, 12_345, 25_000, 61_000, 78_000, 200_000].forEach((d, i) => {
      const root = makeSpanRow({
        tenant_id: tenant,
        durationMs: d,
        startNanos: ms(i * 3_700),
        is_error: i % 3 === 0 ? 1 : 0,
        endpoint: i % 2 ? 'GET /a' : 'POST /b',
      });
      const http = makeSpanRow({
        tenant_id: tenant,
        trace_id: root.trace_id,
        parent_span_id: root.span_id,
        kind: 'CLIENT',
        is_entry: 0,
        durationMs: 5 + i,
        startNanos: ms(i * 3_700 + 1),
        attributes: i % 2 ? { 'url.full': `http://Inventory.svc:808${i % 3}/items/${i}` } : { 'server.address': 'pay.example', 'server.port': '443' },
        is_error: i % 4 === 0 ? 1 : 0,
      });
      const server = makeSpanRow({
        tenant_id: tenant,
        trace_id: root.trace_id,
        parent_span_id: http.span_id,
        service: i % 2 ? 'inventory' : 'payments',
        durationMs: 4,
        startNanos: ms(i * 3_700 + 2),
      });
      const peer = makeSpanRow({
        tenant_id: tenant,
        trace_id: root.trace_id,
        parent_span_id: root.span_id,
        kind: 'CLIENT',
        is_entry: 0,
        peer_service: 'ledger',
        http_method: '',
        durationMs: 2,
        startNanos: ms(i * 3_700 + 3),
      });
      const produce = makeSpanRow({
        tenant_id: tenant,
        trace_id: root.trace_id,
        parent_span_id: root.span_id,
        kind: 'PRODUCER',
        is_entry: 0,
        http_method: '',
        durationMs: 1,
        startNanos: ms(i * 3_700 + 4),
        attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' },
      });
      const consume = makeSpanRow({
        tenant_id: tenant,
        trace_id: root.trace_id,
        parent_span_id: produce.span_id,
        kind: 'CONSUMER',
        service: 'mailer',
        durationMs: 1,
        startNanos: ms(i * 3_700 + 5),
      });
      const db = makeDbSpanRow(root, { durationMs: 1 + i, startNanos: ms(i * 3_700 + 6) });
      rows.push(root, http, server, peer, produce, consume, db);
    });
    return rows;
  }

  /**
   * Two regions at schema `from` holding the same view spans (`before`), for an upgrade test that
   * compares the upgraded one with the one left behind; `after` is a second batch for later.
   */
  async function upgradePair(upName: string, stayName: string, from: number, tag: string, afterOffsetMs: number) {
    const up = ch.stores[upName];
    const stay = ch.stores[stayName];
    const upToFrom = MIGRATIONS.filter((m) => m.version <= from);
    await migrateRegion(up, upToFrom);
    await migrateRegion(stay, upToFrom);
    const writer = new RowWriter(ch.clients);
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const before = toRowBody('spans', viewSpans(tag, t0));
    const after = toRowBody('spans', viewSpans(tag, t0 + afterOffsetMs));
    for (const region of [upName, stayName]) await writer.insert(region, 'spans', before, `before-${tag}`);
    const rows = async (store: RegionStore, sql: string) => (await store.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, unknown>>();
    return { up, stay, writer, after, rows };
  }

  it('an upgrade from 13 to 14 (cheaper views): every rollup reads as on a region left at 13, for rows stored before and after, and reruns and retried inserts add nothing', async () => {
    const { up, stay, writer, after, rows } = await upgradePair('upgrade14', 'stay13', 13, 'up', 2 * 60_000 + 1_234);

    // Each rollup as its readers see it (states finalized), in a stable order.
    const snapshot = async (store: RegionStore) => {
      const q = (sql: string) => rows(store, sql);
      return {
        hitmap: await q(
          `SELECT service, endpoint, bucket, y, sum(hits) AS h, sum(errors) AS e, max(retention_days) AS r FROM ${store.table('hitmap_5s')} GROUP BY ALL ORDER BY ALL`,
        ),
        tenantHitmap: await q(
          `SELECT tenant_id, bucket, y, sum(hits) AS h, sum(errors) AS e, max(retention_days) AS r FROM ${store.table('hitmap_tenant_5s')} GROUP BY ALL ORDER BY ALL`,
        ),
        calls: await q(
          `SELECT caller, target_kind, target_system, target, minute, any(target_host) AS host, sum(count) AS n, sum(errors) AS e, sum(duration_sum_ns) AS d,
            quantileTDigestMerge(0.95)(duration_q) AS p95, max(retention_days) AS r
          FROM ${store.table('service_calls_1m')} GROUP BY caller, target_kind, target_system, target, minute ORDER BY ALL`,
        ),
        links: await q(`SELECT minute, link, caller, target_kind, target, callee, retention_days FROM ${store.table('service_call_links')} ORDER BY ALL`),
        summaries: await q(
          `SELECT trace_id, min(start_ts) AS s, max(end_ts) AS e, sum(span_count) AS n, sum(error_count) AS errs, argMinIfMerge(root_service) AS rs, argMinIfMerge(root_endpoint) AS re,
            arraySort(groupUniqArrayArray(services)) AS services FROM ${store.table('trace_summaries')} GROUP BY trace_id ORDER BY ALL`,
        ),
      };
    };
    const reference = await snapshot(stay);
    expect(reference.hitmap.length).toBeGreaterThan(10);
    expect(new Set(reference.calls.map((c) => c.target_kind))).toEqual(new Set(['http', 'peer', 'messaging', 'database']));
    expect(reference.links.filter((l) => l.callee !== '').length).toBeGreaterThan(0);
    expect(reference.links.filter((l) => l.caller !== '').length).toBeGreaterThan(0);

    expect(
      await migrateRegion(
        up,
        MIGRATIONS.filter((m) => m.version <= 14),
      ),
    ).toEqual(['cheaper_span_views']);
    expect(await snapshot(up)).toEqual(reference);
    // Rerun (a crash before the version was recorded): still the same rows, and the views still write once.
    for (const sql of MIGRATIONS.find((m) => m.version === 14)!.statements(up.database)) await up.client.command({ query: sql });
    expect(await snapshot(up)).toEqual(reference);

    for (const region of ['upgrade14', 'stay13']) await writer.insert(region, 'spans', after, 'after-v14');
    // A retried insert (same token) is deduplicated down the chains of views too.
    await writer.insert('upgrade14', 'spans', after, 'after-v14');
    const both = await snapshot(stay);
    expect(both.hitmap.length).toBeGreaterThan(reference.hitmap.length);
    expect(await snapshot(up)).toEqual(both);

    const tables = await up.client.query({
      query: `SELECT name FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView' AND name LIKE '%service_call%' ORDER BY name`,
      format: 'JSONEachRow',
      query_params: { db: up.database },
    });
    expect((await tables.json<{ name: string }>()).map((t) => t.name)).toEqual(['service_call_links_mv', 'service_call_spans_mv', 'service_calls_1m_mv']);
  });

  it('an upgrade from 14 to 15 (smaller spans): end_ts is computed, not stored, and every reader of end time reads as on a region left at 14', async () => {
    const { up, stay, writer, after, rows } = await upgradePair('upgrade15', 'stay14', 14, 'up15', 3 * 60_000 + 777);
    const snapshot = async (store: RegionStore) => {
      const q = (sql: string) => rows(store, sql);
      return {
        ends: await q(`SELECT span_id, toString(end_ts) AS e FROM ${store.table('spans')} ORDER BY span_id`),
        hitmap: await q(`SELECT service, endpoint, bucket, y, sum(hits) AS h FROM ${store.table('hitmap_5s')} GROUP BY ALL ORDER BY ALL`),
        red: await q(`SELECT service, endpoint, minute, sum(count) AS n FROM ${store.table('service_red_1m')} GROUP BY ALL ORDER BY ALL`),
        transactions: await q(`SELECT span_id, toString(end_ts) AS e FROM ${store.table('transactions_by_end')} ORDER BY ALL`),
        summaries: await q(`SELECT trace_id, toString(max(end_ts)) AS e FROM ${store.table('trace_summaries')} GROUP BY trace_id ORDER BY ALL`),
      };
    };
    const reference = await snapshot(stay);
    expect(reference.transactions.length).toBeGreaterThan(5);

    expect(await migrateRegion(up)).toEqual(['smaller_spans']);
    expect(await snapshot(up)).toEqual(reference);
    // A rerun (a crash before the version was recorded) finds the alias there and changes nothing.
    const m15 = MIGRATIONS.find((m) => m.version === 15)!;
    expect(await migrateRegion(up, [{ ...m15, version: 1015 }])).toEqual(['smaller_spans']);

    for (const region of ['upgrade15', 'stay14']) await writer.insert(region, 'spans', after, 'after-v15');
    const both = await snapshot(stay);
    expect(both.transactions.length).toBeGreaterThan(reference.transactions.length);
    expect(await snapshot(up)).toEqual(both);

    const columns = await up.client.query({
      query: `SELECT default_kind, compression_codec, create_table_query LIKE '%idx_end_ts%' AS indexed FROM system.columns, system.tables
        WHERE columns.database = {db:String} AND columns.table = 'spans' AND name = 'end_ts' AND tables.database = {db:String} AND tables.name = 'spans'`,
      format: 'JSONEachRow',
      query_params: { db: up.database },
    });
    expect((await columns.json<Record<string, unknown>>()).map((c) => ({ ...c, indexed: Number(c.indexed) }))).toEqual([
      { default_kind: 'ALIAS', compression_codec: '', indexed: 0 },
    ]);
    // Parts written before the upgrade hold end_ts until they merge.
    const partsWithEndTs = async () => {
      const rs = await up.client.query({
        query: `SELECT count() AS n FROM system.parts_columns WHERE database = {db:String} AND table = 'spans' AND active AND column = 'end_ts'`,
        format: 'JSONEachRow',
        query_params: { db: up.database },
      });
      return Number((await rs.json<{ n: string | number }>())[0].n);
    };
    expect(await partsWithEndTs()).toBeGreaterThan(0);
    await up.client.command({ query: `OPTIMIZE TABLE ${up.table('spans')} FINAL` });
    expect(await partsWithEndTs()).toBe(0);
    expect((await snapshot(up)).ends).toEqual(both.ends);
  });
});
