import { nanosToDateTime64, type LogRow } from '@meridian/domain';
import { QueryValidationError } from '../errors';
import { makeLogRow, openTestClickHouse, randomHexId, toRowBody, type TestClickHouse } from '../testing';
import { RowWriter } from '../write/row-writer';
import { LOG_LEVELS, LogSearchQueries, textTerms, type LogsQuery } from './log-search.queries';

const MS = 1_000_000n;
/** A minute-aligned base time 30 minutes ago. */
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const window = { from: new Date(BASE_MS), to: new Date(BASE_MS + 10 * 60_000) };
const log = (offsetMs: number, overrides: Partial<LogRow> = {}): LogRow => {
  const ts = nanosToDateTime64(BigInt(BASE_MS + offsetMs) * MS);
  return makeLogRow({ ts, observed_ts: ts, ...overrides });
};

describe('LogSearchQueries', () => {
  let ch: TestClickHouse;
  let q: LogSearchQueries;
  let writer: RowWriter;
  let token = 0;
  const write = (rows: LogRow[]) => writer.insert('eu', 'logs', toRowBody('logs', rows), `logs-${++token}`);
  const bodies = async (tenant: string, filters: Partial<LogsQuery>) => (await q.search('eu', tenant, { ...window, ...filters })).map((l) => l.body);

  beforeAll(async () => {
    ch = await openTestClickHouse(['eu']);
    q = new LogSearchQueries(ch.clients);
    writer = new RowWriter(ch.clients);
  });
  afterAll(() => ch.close());

  describe('search', () => {
    const tenant = 'search';
    const trace = randomHexId(16);
    beforeAll(() =>
      write([
        log(1_000, { tenant_id: tenant, body: 'GET /cart answered 200 in 12 ms' }),
        log(2_000, {
          tenant_id: tenant,
          body: 'Payment TIMEOUT after 3000 ms',
          severity_number: 17,
          severity_text: 'ERROR',
          trace_id: trace,
          span_id: randomHexId(8),
        }),
        log(3_000, { tenant_id: tenant, body: 'slow query on pg-1: 100% of budget', severity_number: 13, severity_text: 'WARN', service: 'catalog' }),
        log(4_000, { tenant_id: tenant, body: 'cache_miss for sku SKU-1', attributes: { 'cache.hit': 'false' } }),
        log(5_000, { tenant_id: tenant, body: 'Zahlung für Bestellung fehlgeschlagen', resource_attributes: { 'service.name': 'checkout', region: 'eu-1' } }),
        log(6_000, { tenant_id: tenant, body: 'debug detail', severity_number: 5, severity_text: 'DEBUG' }),
        // Another tenant's matching record and one outside the window must never appear.
        log(2_500, { tenant_id: 'someone-else', body: 'Payment TIMEOUT after 3000 ms' }),
        log(11 * 60_000, { tenant_id: tenant, body: 'Payment TIMEOUT later' }),
      ]),
    );

    it('returns the tenant’s records in the window, newest first, with every column', async () => {
      const logs = await q.search('eu', tenant, window);
      expect(logs.map((l) => l.body)).toEqual([
        'debug detail',
        'Zahlung für Bestellung fehlgeschlagen',
        'cache_miss for sku SKU-1',
        'slow query on pg-1: 100% of budget',
        'Payment TIMEOUT after 3000 ms',
        'GET /cart answered 200 in 12 ms',
      ]);
      expect(logs[4]).toMatchObject({ traceId: trace, severityNumber: 17, severityText: 'ERROR', service: 'checkout', hostName: 'web-1' });
      expect(logs[4].time).toBe(new Date(BASE_MS + 2_000).toISOString().replace('.000Z', '.000000000Z'));
      expect(logs[4].unixNanos).toBe((BigInt(BASE_MS + 2_000) * MS).toString());
      expect(await bodies(tenant, { limit: 2 })).toEqual(['debug detail', 'Zahlung für Bestellung fehlgeschlagen']);
    });

    it('matches body text case-insensitively as substrings; every term required, quoted phrases whole', async () => {
      expect(await bodies(tenant, { text: 'timeout' })).toEqual(['Payment TIMEOUT after 3000 ms']);
      expect(await bodies(tenant, { text: 'PAYMENT 3000' })).toEqual(['Payment TIMEOUT after 3000 ms']);
      expect(await bodies(tenant, { text: 'payment 12' })).toEqual([]);
      expect(await bodies(tenant, { text: '"in 12 ms"' })).toEqual(['GET /cart answered 200 in 12 ms']);
      expect(await bodies(tenant, { text: '"12 in"' })).toEqual([]);
      expect(await bodies(tenant, { text: 'ZAHLUNG FÜR' })).toEqual(['Zahlung für Bestellung fehlgeschlagen']);
      // LIKE's wildcards are literal: "100%" is not "100<anything>", "_" is not any character.
      expect(await bodies(tenant, { text: '100%' })).toEqual(['slow query on pg-1: 100% of budget']);
      expect(await bodies(tenant, { text: 'cache_miss' })).toEqual(['cache_miss for sku SKU-1']);
      expect(await bodies(tenant, { text: 'e_m' })).toEqual(['cache_miss for sku SKU-1']);
      expect(await bodies(tenant, { text: 'y_q' })).toEqual([]);
    });

    it('filters by minimum severity, service, trace id and attribute (record or resource)', async () => {
      expect(await bodies(tenant, { minSeverity: 13 })).toEqual(['slow query on pg-1: 100% of budget', 'Payment TIMEOUT after 3000 ms']);
      expect(await bodies(tenant, { minSeverity: 17 })).toEqual(['Payment TIMEOUT after 3000 ms']);
      expect(await bodies(tenant, { service: 'catalog' })).toEqual(['slow query on pg-1: 100% of budget']);
      expect(await bodies(tenant, { traceId: trace })).toEqual(['Payment TIMEOUT after 3000 ms']);
      expect(await bodies(tenant, { attribute: 'cache.hit=false' })).toEqual(['cache_miss for sku SKU-1']);
      expect(await bodies(tenant, { attribute: 'region=eu-1' })).toEqual(['Zahlung für Bestellung fehlgeschlagen']);
      expect(await bodies(tenant, { attribute: 'region=eu-2' })).toEqual([]);
      expect(await bodies(tenant, { text: 'payment', minSeverity: 17, traceId: trace, service: 'checkout' })).toEqual(['Payment TIMEOUT after 3000 ms']);
      expect(await bodies('someone-else', { traceId: trace })).toEqual([]);
    });
  });

  describe('histogram', () => {
    it('counts the matching records per bucket and severity level', async () => {
      const tenant = 'histogram';
      await write([
        log(0, { tenant_id: tenant, severity_number: 9 }),
        log(5_000, { tenant_id: tenant, severity_number: 12 }),
        log(20_000, { tenant_id: tenant, severity_number: 17, body: 'boom' }),
        log(61_000, { tenant_id: tenant, severity_number: 13 }),
        log(61_500, { tenant_id: tenant, severity_number: 0 }),
        log(62_000, { tenant_id: tenant, severity_number: 24, body: 'boom boom' }),
        log(62_000, { tenant_id: tenant, severity_number: 1 }),
      ]);
      const zero = LOG_LEVELS.map(() => 0);
      const at = (level: (typeof LOG_LEVELS)[number], n: number, counts = [...zero]) => ((counts[LOG_LEVELS.indexOf(level)] = n), counts);
      const h = await q.histogram('eu', tenant, { from: new Date(BASE_MS), to: new Date(BASE_MS + 5 * 60_000) });
      expect(h.stepSeconds).toBe(5);
      expect(h.levels).toEqual(['unspecified', 'trace', 'debug', 'info', 'warn', 'error', 'fatal']);
      expect(h.buckets).toEqual([
        { t: BASE_MS, counts: at('info', 1) },
        { t: BASE_MS + 5_000, counts: at('info', 1) },
        { t: BASE_MS + 20_000, counts: at('error', 1) },
        { t: BASE_MS + 60_000, counts: at('fatal', 1, at('trace', 1, at('unspecified', 1, at('warn', 1)))) },
      ]);
      const day = await q.histogram('eu', tenant, { from: new Date(BASE_MS - 23 * 3600_000), to: new Date(BASE_MS + 3600_000), text: 'BOOM' });
      expect(day.stepSeconds).toBe(1800);
      const half = (offsetMs: number) => Math.floor((BASE_MS + offsetMs) / 1800_000) * 1800_000;
      const boom =
        half(20_000) === half(62_000)
          ? [{ t: half(20_000), counts: at('fatal', 1, at('error', 1)) }]
          : [
              { t: half(20_000), counts: at('error', 1) },
              { t: half(62_000), counts: at('fatal', 1) },
            ];
      expect(day.buckets).toEqual(boom);
    });
  });

  it('skips the granules whose bodies lack the searched text (ngrambf_v1 index on lowerUTF8(body))', async () => {
    const tenant = 'volume';
    const store = ch.stores.eu;
    // 200 000 routine records (~25 granules of 8192 rows) and one needle in their middle.
    await store.client.command({
      query: `INSERT INTO ${store.table('logs')} (tenant_id, ts, observed_ts, service, severity_number, severity_text, body, retention_days)
      SELECT 'volume', fromUnixTimestamp64Milli(${BASE_MS} + intDiv(number, 1000)) AS t, t, 'checkout', 9, 'INFO',
        if(number = 123456, 'Payment gateway TIMEOUT for order 77', concat('GET /cart/', toString(number % 997), ' answered 200 in ', toString(number % 89), ' ms')), 7
      FROM numbers(200000)`,
    });
    const rs = await store.client.query({
      query: `EXPLAIN indexes = 1 SELECT count() FROM ${store.table('logs')}
        WHERE tenant_id = 'volume' AND lowerUTF8(body) LIKE '%gateway timeout%'`,
      format: 'TabSeparatedRaw',
    });
    const plan = await rs.text();
    const ngram = /Name: idx_body_ngram[\s\S]*?Granules: (\d+)\/(\d+)/.exec(plan);
    expect(ngram).not.toBeNull();
    const [read, total] = [Number(ngram![1]), Number(ngram![2])];
    expect(total).toBeGreaterThanOrEqual(20);
    expect(read).toBeLessThanOrEqual(2);
    expect(await bodies(tenant, { text: 'gateway timeout' })).toEqual(['Payment gateway TIMEOUT for order 77']);
  });

  const bad: Array<[string, Partial<LogsQuery>, string]> = [
    ['a window longer than a day', { from: new Date(BASE_MS - 25 * 3600_000) }, 'to'],
    ['a trace id that is not 32 hex digits', { traceId: 'xyz' }, 'traceId'],
    ['a severity above 24', { minSeverity: 25 }, 'minSeverity'],
    ['an attribute without "="', { attribute: 'cache.hit' }, 'attr'],
    ['an attribute with an empty key', { attribute: '=x' }, 'attr'],
    ['too many terms', { text: 'a b c d e f g h i' }, 'q'],
    ['too long a text', { text: 'x'.repeat(501) }, 'q'],
    ['a limit of 0', { limit: 0 }, 'limit'],
    ['an empty service', { service: '' }, 'service'],
  ];
  it.each(bad)('refuses %s with a QueryValidationError naming the field', async (_name, filters, field) => {
    const err = await q.search('eu', 'search', { ...window, ...filters }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryValidationError);
    expect((err as QueryValidationError).field).toBe(field);
  });

  it('splits search text into terms, keeping quoted phrases whole', () => {
    expect(textTerms('  Payment "gateway timeout"  77 ')).toEqual(['Payment', 'gateway timeout', '77']);
    expect(textTerms('')).toEqual([]);
    expect(textTerms(undefined)).toEqual([]);
  });
});
