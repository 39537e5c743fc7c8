import { nanosToDateTime64, type MetricPointRow, type SpanRow } from '@meridian/domain';
import { DatabaseHealthQueries } from './database-health.queries';
import { QueryValidationError } from '../errors';
import { RowWriter } from '../write/row-writer';
import { SqlStatisticsQueries } from './sql-statistics.queries';
import { makeDbSpanRow, makeMetricPointRow, makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '../testing';

const MS = 1_000_000n;
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;
const at = (offsetMs: number) => BigInt(BASE_MS + offsetMs) * MS;
const T = 'dbt';
const ITEMS = 'SELECT * FROM items WHERE order_id = ?';
const ORDER = 'SELECT * FROM orders WHERE id = ?';
const PAY = 'INSERT INTO payments (order_id, amount) VALUES (?, ?)';
const window = { from: new Date(BASE_MS - 60_000), to: new Date(BASE_MS + 10 * 60_000) };

/** An entry span of `endpoint` starting at `offsetMs` with `queries` (fingerprint × repeats) inside. */
function transaction(
  offsetMs: number,
  endpoint: string,
  queries: Array<[string, number]>,
  opts: { tenant?: string; linked?: boolean; service?: string; failing?: string } = {},
): SpanRow[] {
  const service = opts.service ?? 'shop';
  const root = makeSpanRow({
    tenant_id: opts.tenant ?? T,
    service,
    endpoint,
    span_name: endpoint,
    txn_service: service,
    txn_endpoint: endpoint,
    startNanos: at(offsetMs),
    durationMs: 400,
  });
  const rows = [root];
  let i = 0;
  for (const [fingerprint, repeats] of queries) {
    for (let r = 0; r < repeats; r++) {
      rows.push(
        makeDbSpanRow(root, {
          startNanos: at(offsetMs + 1) + BigInt(i++) * 1000n,
          durationMs: 2,
          db_fingerprint: fingerprint,
          db_statement: fingerprint,
          db_instance: fingerprint === PAY ? 'pg-2:5432' : 'pg-1:5432',
          is_error: fingerprint === opts.failing ? 1 : 0,
          // A DB span exported in another SDK batch than its entry span carries no transaction.
          ...(opts.linked === false ? { txn_service: '', txn_endpoint: '' } : {}),
        }),
      );
    }
  }
  return rows;
}

function point(ts: number, name: string, value: number, attributes: Record<string, string>, resource: Record<string, string>, tenant = T): MetricPointRow {
  return makeMetricPointRow({
    tenant_id: tenant,
    ts: nanosToDateTime64(at(ts)),
    metric_name: name,
    value,
    attributes,
    resource_attributes: resource,
    service: 'meridian-db-collector',
  });
}

const PG1 = {
  'service.name': 'meridian-db-collector',
  'server.address': 'pg-1',
  'server.port': '5432',
  'db.system.name': 'postgresql',
  'meridian.db.cluster': 'orders',
  'meridian.db.name': 'orders-primary',
};
/** The OpenTelemetry Collector's mysql receiver: no server.address, only its endpoint attribute. */
const MY1 = { 'mysql.instance.endpoint': 'my-1:3306' };

// One fixture for both: the instance page shows the SQL statistics of its instance.
describe('SqlStatisticsQueries and DatabaseHealthQueries', () => {
  let ch: TestClickHouse;
  let q: SqlStatisticsQueries;
  let health: DatabaseHealthQueries;
  let txn1: SpanRow[];
  let txn4: SpanRow[];

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu']);
    q = new SqlStatisticsQueries(ch.clients);
    health = new DatabaseHealthQueries(ch.clients, q);
    const writer = new RowWriter(ch.clients);
    txn1 = transaction(0, 'GET /orders', [
      [ITEMS, 50],
      [ORDER, 1],
    ]);
    const txn2 = transaction(10_000, 'GET /orders', [[ITEMS, 12]]);
    const txn3 = transaction(20_000, 'GET /orders', [[ITEMS, 2]]);
    txn4 = transaction(30_000, 'GET /orders', [[ITEMS, 15]], { linked: false });
    const pay = [...transaction(40_000, 'POST /pay', [[PAY, 1]]), ...transaction(50_000, 'POST /pay', [[PAY, 1]], { failing: PAY })];
    // Another tenant with a worse N+1 on the same instance: must never show up.
    const other = transaction(0, 'GET /orders', [[ITEMS, 99]], { tenant: 'other' });
    await writer.insert('eu', 'spans', toRowBody('spans', [...txn1, ...txn2, ...txn3, ...txn4, ...pay, ...other]), 'db-spans');

    const poll1 = 60_000;
    const poll2 = 65_000;
    const metrics = [
      // An older poll: its waiting session and edge are gone in the newer one.
      point(poll1, 'meridian.db.up', 1, {}, PG1),
      point(poll1, 'meridian.db.sessions', 7, { state: 'waiting' }, PG1),
      point(poll1, 'meridian.db.session', 30, { 'db.session.id': '999', state: 'waiting', 'db.query.fingerprint': 'old' }, PG1),
      point(poll2, 'meridian.db.up', 1, {}, PG1),
      point(poll2, 'meridian.db.sessions', 3, { state: 'active' }, PG1),
      point(poll2, 'meridian.db.sessions', 5, { state: 'idle' }, PG1),
      point(poll2, 'meridian.db.sessions', 1, { state: 'waiting' }, PG1),
      point(poll2, 'meridian.db.connections', 9, {}, PG1),
      point(poll2, 'meridian.db.connections.max', 100, {}, PG1),
      point(poll2, 'meridian.db.lock_waits', 2, {}, PG1),
      point(
        poll2,
        'meridian.db.session',
        12.5,
        {
          'db.session.id': '102',
          state: 'waiting',
          'db.query.fingerprint': 'UPDATE stock SET qty = ? WHERE id = ?',
          blocked_by: '101',
          'user.name': 'app',
          'db.namespace': 'shop',
        },
        PG1,
      ),
      point(
        poll2,
        'meridian.db.session',
        3,
        { 'db.session.id': '101', state: 'idle in transaction', 'db.query.fingerprint': 'UPDATE stock SET qty = qty - ? WHERE id = ?' },
        PG1,
      ),
      ...[
        ['102', '101', 12.5],
        ['103', '102', 4],
        ['202', '201', 1],
      ].map(([blocked, blocking, s]) =>
        point(
          poll2,
          'meridian.db.blocking',
          Number(s),
          {
            'blocked.id': String(blocked),
            'blocking.id': String(blocking),
            'blocked.query': `q${blocked}`,
            'blocking.query': `q${blocking}`,
            'lock.type': 'transactionid',
            'lock.mode': 'ShareLock',
            relation: 'stock',
          },
          PG1,
        ),
      ),
      point(poll1, 'meridian.db.statement.calls', 100, { 'db.query.id': '7', 'db.query.fingerprint': ITEMS }, PG1),
      point(poll2, 'meridian.db.statement.calls', 160, { 'db.query.id': '7', 'db.query.fingerprint': ITEMS }, PG1),
      point(poll1, 'meridian.db.statement.time', 1000, { 'db.query.id': '7', 'db.query.fingerprint': ITEMS }, PG1),
      point(poll2, 'meridian.db.statement.time', 1300, { 'db.query.id': '7', 'db.query.fingerprint': ITEMS }, PG1),
      point(poll2, 'mysql.threads', 20, { kind: 'connected' }, MY1),
      point(poll2, 'mysql.threads', 4, { kind: 'running' }, MY1),
      point(poll2, 'mysql.threads', 7, { kind: 'cached' }, MY1),
      point(poll2, 'meridian.db.sessions', 500, { state: 'active' }, PG1, 'other'),
    ];
    await writer.insert('eu', 'metric_points', toRowBody('metric_points', metrics), 'db-metrics');
  });
  afterAll(() => ch.close());

  it('sql endpoints: queries and DB time per transaction, average and maximum', async () => {
    const rows = await q.sqlEndpoints('eu', T, window);
    const orders = rows.find((r) => r.endpoint === 'GET /orders')!;
    // Four transactions; the rollup misses the 15 unlinked DB spans of txn4, its trace does not.
    expect(orders).toMatchObject({ service: 'shop', transactions: 4, dbCalls: 80, statements: 2, errors: 0, queriesPerTxnMax: 51 });
    expect(orders.queriesPerTxnAvg).toBeCloseTo(80 / 4);
    expect(orders.dbTimePerTxnMs).toBeCloseTo((80 * 2) / 4);
    expect(orders.dbTimePerTxnMaxMs).toBeCloseTo(102);
    expect(rows.find((r) => r.endpoint === 'POST /pay')).toMatchObject({ transactions: 2, dbCalls: 2, errors: 1, queriesPerTxnAvg: 1 });
    expect(rows[0].endpoint).toBe('GET /orders'); // most queries per transaction first
    expect(await q.sqlEndpoints('eu', T, { ...window, service: 'nope' })).toEqual([]);
    expect(await q.sqlEndpoints('eu', T, { ...window, endpoint: 'GET /orders' })).toEqual([orders]);
  });

  it('sql endpoints: DB spans exported in another SDK batch than their entry span count for its endpoint', async () => {
    // Half of one trace linked, the other half not (an SDK batch cut inside the transaction); and
    // an endpoint the rollup never saw, since none of its DB spans was linked.
    const tenant = 'dbt-batches';
    const cut = transaction(0, 'GET /cart', [[ITEMS, 20]], { tenant });
    cut.slice(11).forEach((r) => Object.assign(r, { txn_service: '', txn_endpoint: '' }));
    const lonely = transaction(5_000, 'GET /lonely', [[ORDER, 3]], { tenant, linked: false });
    await new RowWriter(ch.clients).insert('eu', 'spans', toRowBody('spans', [...cut, ...lonely]), 'db-spans-cut');
    const rows = await q.sqlEndpoints('eu', tenant, window);
    expect(rows.map((r) => [r.endpoint, r.transactions, r.dbCalls, r.queriesPerTxnMax, r.statements])).toEqual([
      ['GET /cart', 1, 20, 20, 1],
      ['GET /lonely', 1, 3, 3, 1],
    ]);
    expect(await q.sqlEndpoints('eu', tenant, { ...window, endpoint: 'GET /lonely' })).toHaveLength(1);
    // The statements of an endpoint (or a service) count them too.
    const statements = async (f: { service?: string; endpoint?: string }) =>
      (await q.sqlStatements('eu', tenant, { ...window, ...f, sort: 'calls' })).map((s) => [s.fingerprint, s.calls, s.transactions]);
    expect(await statements({ endpoint: 'GET /cart' })).toEqual([[ITEMS, 20, 1]]);
    expect(await statements({ service: 'shop', endpoint: 'GET /lonely' })).toEqual([[ORDER, 3, 1]]);
    expect(await statements({ service: 'shop' })).toEqual([
      [ITEMS, 20, 1],
      [ORDER, 3, 1],
    ]);
    expect(await statements({ service: 'shop', endpoint: 'GET /nothing' })).toEqual([]);
    // Over more than 6 h, the minutes before the last 6 h come from the rollup (which saw only the
    // 10 linked calls of the first trace), the last 6 h from the spans (all 20 of a later one).
    const later = transaction(7 * 3600_000, 'GET /cart', [[ITEMS, 20]], { tenant });
    later.slice(11).forEach((r) => Object.assign(r, { txn_service: '', txn_endpoint: '' }));
    await new RowWriter(ch.clients).insert('eu', 'spans', toRowBody('spans', later), 'db-spans-cut-later');
    const long = { from: window.from, to: new Date(BASE_MS + 7 * 3600_000 + 10 * 60_000) };
    const forCart = await q.sqlStatements('eu', tenant, { ...long, endpoint: 'GET /cart' });
    expect(forCart.map((s) => [s.fingerprint, s.calls, s.transactions, s.instances])).toEqual([[ITEMS, 30, 2, ['pg-1:5432']]]);
    expect(forCart[0].p95Ms).toBeCloseTo(2, 0);
  });

  it('statements ranked by calls, p95 or errors, with calls per transaction', async () => {
    const byCalls = await q.sqlStatements('eu', T, { ...window, sort: 'calls' });
    expect(byCalls.map((s) => s.fingerprint)).toEqual([ITEMS, PAY, ORDER]);
    // 50 + 12 + 2 linked and 15 unlinked calls, in 4 traces.
    expect(byCalls[0]).toMatchObject({ calls: 79, transactions: 4, dbSystem: 'postgresql', instances: ['pg-1:5432'] });
    expect(byCalls[0].callsPerTxn).toBeCloseTo(79 / 4);
    expect(byCalls[0].p95Ms).toBeCloseTo(2, 0);
    const byErrors = await q.sqlStatements('eu', T, { ...window, sort: 'errors', limit: 1 });
    expect(byErrors).toHaveLength(1);
    expect(byErrors[0]).toMatchObject({ fingerprint: PAY, errors: 1, calls: 2, instances: ['pg-2:5432'] });
    const forPay = await q.sqlStatements('eu', T, { ...window, service: 'shop', endpoint: 'POST /pay' });
    expect(forPay.map((s) => s.fingerprint)).toEqual([PAY]);
    await expect(q.sqlStatements('eu', T, { ...window, sort: 'name' as never })).rejects.toThrow(QueryValidationError);
  });

  it('transactions sorted by query count, with the entry span and the most repeated statement', async () => {
    const txns = await q.sqlTransactions('eu', T, { ...window, sort: 'queries' });
    expect(txns.map((t) => t.queries)).toEqual([51, 15, 12, 2, 1, 1]);
    expect(txns[0]).toMatchObject({
      traceId: txn1[0].trace_id,
      service: 'shop',
      endpoint: 'GET /orders',
      maxRepeat: 50,
      topStatement: ITEMS,
      statements: 2,
      durationMs: 400,
    });
    expect(txns[0].dbTimeMs).toBeCloseTo(102);
    expect(txns[0].startTime).toBe(new Date(BASE_MS).toISOString());
    // Unlinked DB spans still get their endpoint from the trace's entry span.
    expect(txns[1]).toMatchObject({ traceId: txn4[0].trace_id, endpoint: 'GET /orders', durationMs: 400 });
    const pay = await q.sqlTransactions('eu', T, { ...window, endpoint: 'POST /pay', limit: 5 });
    expect(pay.map((t) => t.errors).sort()).toEqual([0, 1]);
  });

  it('N+1: statements repeated ≥ threshold times in one trace, grouped per endpoint, counts exact', async () => {
    const found = await q.nPlusOne('eu', T, { ...window, threshold: 10 });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      service: 'shop',
      endpoint: 'GET /orders',
      fingerprint: ITEMS,
      transactions: 3,
      maxRepeat: 50,
      exampleTraceId: txn1[0].trace_id,
      threshold: 10,
    });
    expect(found[0].avgRepeat).toBeCloseTo((50 + 12 + 15) / 3);
    expect(found[0].totalMs).toBeCloseTo(77 * 2);
    expect((await q.nPlusOne('eu', T, { ...window, threshold: 20 }))[0]).toMatchObject({ transactions: 1, maxRepeat: 50 });
    expect(await q.nPlusOne('eu', T, { ...window, threshold: 51 })).toEqual([]);
    expect(await q.nPlusOne('eu', T, { ...window, endpoint: 'POST /pay', threshold: 2 })).toEqual([]);
    await expect(q.nPlusOne('eu', T, { ...window, threshold: 1 })).rejects.toThrow(/threshold/);
    await expect(q.nPlusOne('eu', T, { from: new Date(0), to: new Date() })).rejects.toThrow(/window/);
  });

  it('instances: collector and receiver metrics (newest poll) merged with client spans per host:port', async () => {
    const list = await health.instances('eu', T, window);
    expect(list.map((i) => [i.system, i.instance])).toEqual([
      ['mysql', 'my-1:3306'],
      ['postgresql', 'pg-2:5432'],
      ['postgresql', 'pg-1:5432'],
    ]);
    const pg1 = list.find((i) => i.instance === 'pg-1:5432')!;
    expect(pg1).toMatchObject({
      name: 'orders-primary',
      cluster: 'orders',
      up: true,
      activeSessions: 4,
      lockWaits: 2,
      connections: 9,
      maxConnections: 100,
      calls: 80,
      errorRate: 0,
    });
    expect(pg1.connectionUse).toBeCloseTo(0.09);
    expect(pg1.queryP95Ms).toBeCloseTo(2, 0);
    expect(pg1.lastSeen).toBe(new Date(BASE_MS + 65_000).toISOString().replace('.000Z', '.000000000Z'));
    expect(list.find((i) => i.instance === 'my-1:3306')).toMatchObject({
      up: null,
      activeSessions: 4,
      connections: 20,
      maxConnections: null,
      connectionUse: null,
      calls: 0,
    });
    expect(list.find((i) => i.instance === 'pg-2:5432')).toMatchObject({ up: null, lastSeen: null, activeSessions: null, calls: 2, errorRate: 0.5 });
    expect(await health.instances('eu', 'nobody', window)).toEqual([]);
  });

  it('instance detail: sessions of the newest poll, blocking chains, statements and per-minute series', async () => {
    const d = (await health.instance('eu', T, 'pg-1:5432', window))!;
    expect(d.health).toMatchObject({ instance: 'pg-1:5432', activeSessions: 4 });
    expect(d.sessions.map((s) => s.id)).toEqual(['102', '101']);
    expect(d.sessions[0]).toMatchObject({ state: 'waiting', blockedBy: ['101'], user: 'app', database: 'shop', seconds: 12.5 });
    expect(d.chains).toEqual([
      {
        rootId: '101',
        rootQuery: 'q101',
        waiters: [
          { id: '102', depth: 1, blockedBy: '101', query: 'q102', waitSeconds: 12.5, lockType: 'transactionid', lockMode: 'ShareLock', relation: 'stock' },
          { id: '103', depth: 2, blockedBy: '102', query: 'q103', waitSeconds: 4, lockType: 'transactionid', lockMode: 'ShareLock', relation: 'stock' },
        ],
      },
      {
        rootId: '201',
        rootQuery: 'q201',
        waiters: [
          { id: '202', depth: 1, blockedBy: '201', query: 'q202', waitSeconds: 1, lockType: 'transactionid', lockMode: 'ShareLock', relation: 'stock' },
        ],
      },
    ]);
    expect(d.statements.map((s) => s.fingerprint)).toEqual([ITEMS, ORDER]);
    expect(d.serverStatements).toEqual([{ id: '7', fingerprint: ITEMS, calls: 60, totalMs: 300, avgMs: 5 }]);
    const minute0 = d.series.find((p) => p.t === BASE_MS)!;
    expect(minute0.calls).toBe(51 + 12 + 2 + 15);
    expect(minute0.avgMs).toBeCloseTo(2);
    const minute1 = d.series.find((p) => p.t === BASE_MS + 60_000)!;
    expect(minute1.activeSessions).toBeCloseTo(3 + (7 + 1) / 2);
    // Lock waits over time, not only the newest poll: the minute's most waiting sessions and who was blocked.
    expect(minute1).toMatchObject({ lockWaits: 2, blockedSessions: 3 });
    expect(minute0).toMatchObject({ lockWaits: null, blockedSessions: null });
    expect(await health.instance('eu', T, 'nowhere:1', window)).toBeUndefined();
    expect(await health.instance('eu', 'other', 'pg-2:5432', window)).toBeUndefined();
  });
});
