import { decodeNativeRows, encodeNativeRows } from './native-rows';
import type { LogRow, MetricPointRow, SpanRow } from './rows';

const span = (over: Partial<SpanRow> = {}): SpanRow => ({
  tenant_id: 't1',
  ts: '1765000000.123456789',
  duration_ns: '18446744073709551615',
  trace_id: '0af7651916cd43dd8448eb211c80319c',
  span_id: 'b7ad6b7169203331',
  parent_span_id: '',
  trace_state: '',
  service: '決済',
  span_name: 'GET /x',
  endpoint: 'GET /x',
  kind: 'SERVER',
  is_entry: 1,
  txn_service: '決済',
  txn_endpoint: 'GET /x',
  status_code: 'ERROR',
  status_message: 'x'.repeat(300),
  is_error: 1,
  http_method: 'GET',
  http_status: 503,
  http_route: '/x',
  url_path: '/x?q=1',
  db_system: '',
  db_name: '',
  db_instance: '',
  db_operation: '',
  db_statement: '',
  db_fingerprint: '',
  peer_service: '',
  host_name: 'h',
  scope_name: 's',
  scope_version: '1',
  resource_attributes: { 'service.name': '決済', k: 'v' },
  attributes: {},
  events_ts: ['0.000000001', '4102444800.999999999'],
  events_name: ['a', 'b'],
  events_attributes: [{}, { 'exception.message': 'boom' }],
  links_trace_id: [],
  links_span_id: [],
  retention_days: 65535,
  ...over,
});

describe('Native row bodies', () => {
  it('decode gives back exactly the rows encoded: 64-bit values as text, nanosecond times, maps, nested arrays, long UTF-8', () => {
    const rows = [
      span(),
      span({ ts: '1.000000000', duration_ns: '0', attributes: { ['ü'.repeat(50)]: '🙂'.repeat(100) }, events_ts: [], events_name: [], events_attributes: [] }),
    ];
    expect(decodeNativeRows('spans', encodeNativeRows('spans', rows))).toEqual(rows);
  });

  it('metric points keep nulls, negative Int32 and UInt64 beyond 2^53; logs round-trip', () => {
    const point: MetricPointRow = {
      tenant_id: 't',
      ts: '1765000000.000000001',
      start_ts: '0.000000000',
      metric_name: 'm',
      metric_type: 'EXP_HISTOGRAM',
      unit: 's',
      description: '',
      temporality: 'DELTA',
      is_monotonic: 0,
      service: 's',
      host_name: '',
      resource_attributes: {},
      attributes: { a: 'b' },
      scope_name: '',
      value: -1.5,
      count: '9007199254740993',
      sum: 1e300,
      min: null,
      max: 2.5,
      bucket_counts: ['1', '18446744073709551615'],
      explicit_bounds: [0.5],
      exp_scale: -3,
      exp_zero_count: '7',
      exp_positive_offset: -2147483648,
      exp_positive_counts: ['3'],
      exp_negative_offset: 5,
      exp_negative_counts: [],
      quantiles: [],
      quantile_values: [],
      flags: 4294967295,
      retention_days: 7,
    };
    expect(decodeNativeRows('metric_points', encodeNativeRows('metric_points', [point, { ...point, min: 1, max: null }]))).toEqual([
      point,
      { ...point, min: 1, max: null },
    ]);
    const log: LogRow = {
      tenant_id: 't',
      ts: '1765000000.5',
      observed_ts: '1765000000.500000000',
      trace_id: '',
      span_id: '',
      severity_number: 17,
      severity_text: 'ERROR',
      service: 's',
      host_name: '',
      body: 'line\nnext',
      resource_attributes: {},
      attributes: {},
      scope_name: '',
      flags: 0,
      event_name: '',
      retention_days: 1,
    };
    // "sec.n" and "sec.n00000000" are the same time; decode writes all nine digits.
    expect(decodeNativeRows('logs', encodeNativeRows('logs', [log]))).toEqual([{ ...log, ts: '1765000000.500000000' }]);
  });

  it('concatenated bodies are one stream of blocks (how the ingester joins messages)', () => {
    const a = [span({ span_id: '1111111111111111' })];
    const b = [span({ span_id: '2222222222222222' }), span({ span_id: '3333333333333333' })];
    const both = decodeNativeRows('spans', Buffer.concat([encodeNativeRows('spans', a), encodeNativeRows('spans', b)]));
    expect(both.map((r) => r.span_id)).toEqual(['1111111111111111', '2222222222222222', '3333333333333333']);
  });

  it('a cut or foreign body fails with an error naming where', () => {
    const body = encodeNativeRows('spans', [span()]);
    expect(() => decodeNativeRows('spans', body.subarray(0, body.length - 3))).toThrow(/ends inside (the type of )?retention_days/);
    expect(() => decodeNativeRows('logs', body)).toThrow(/column "duration_ns" is not a column of logs/);
  });
});
