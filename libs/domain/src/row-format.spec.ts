import { decodeRows, encodeRows, ROW_COLUMNS } from './row-format';
import type { LogRow } from './rows';

const log = (over: Partial<LogRow>): LogRow => ({
  tenant_id: 't',
  ts: '1700000000.000000001',
  observed_ts: '1700000000.000000002',
  trace_id: '',
  span_id: '',
  severity_number: 9,
  severity_text: 'INFO',
  service: 'svc',
  host_name: 'h',
  body: 'hello',
  resource_attributes: { 'service.name': 'svc' },
  attributes: {},
  scope_name: 's',
  flags: 0,
  event_name: '',
  retention_days: 7,
  ...over,
});

describe('row format (JSONCompactEachRow)', () => {
  it('writes one JSON array per line in column order, and reads it back', () => {
    const rows = [log({ body: 'line\nbreak "quoted" 한국어 \u2028' }), log({ attributes: { 'a\tb': '\u0000' } })];
    const body = encodeRows('logs', rows);
    const text = body.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0])).toHaveLength(ROW_COLUMNS.logs.length);
    expect(JSON.parse(lines[0])[ROW_COLUMNS.logs.indexOf('body')]).toBe(rows[0].body);
    expect(decodeRows('logs', body)).toEqual(rows);
  });

  it('writes nothing for no rows', () => {
    expect(encodeRows('spans', [])).toHaveLength(0);
  });
});
