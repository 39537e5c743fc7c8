import { decodeLogs } from '@meridian/otlp';
import { buildLogRows } from './index';

const CTX = { tenantId: 't_acme', retentionDays: 7 };

function rows(records: unknown[]) {
  const body = {
    resourceLogs: [
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeLogs: [{ scope: { name: 'app' }, logRecords: records }] },
    ],
  };
  return buildLogRows(decodeLogs(Buffer.from(JSON.stringify(body)), 'json'), CTX);
}

describe('buildLogRows', () => {
  it('writes one row per record with ids, severity, event name and exact times', () => {
    const [row] = rows([
      {
        timeUnixNano: '1700000000123456789',
        observedTimeUnixNano: '1700000000223456789',
        severityNumber: 17,
        severityText: 'ERROR',
        body: { stringValue: 'order 42 failed' },
        attributes: [{ key: 'attempt', value: { intValue: '3' } }],
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        flags: 1,
        eventName: 'order.failed',
      },
    ]);
    expect(row).toEqual({
      tenant_id: 't_acme',
      ts: '1700000000.123456789',
      observed_ts: '1700000000.223456789',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      severity_number: 17,
      severity_text: 'ERROR',
      service: 'checkout',
      host_name: '',
      body: 'order 42 failed',
      resource_attributes: { 'service.name': 'checkout' },
      attributes: { attempt: '3' },
      scope_name: 'app',
      flags: 1,
      event_name: 'order.failed',
      retention_days: 7,
    });
  });

  it('writes non-string bodies as JSON and an empty body as ""', () => {
    const bodies = rows([
      {
        timeUnixNano: '1',
        body: {
          kvlistValue: {
            values: [
              { key: 'user', value: { stringValue: 'kim' } },
              { key: 'ids', value: { arrayValue: { values: [{ intValue: '1' }, { doubleValue: 2.5 }] } } },
            ],
          },
        },
      },
      { timeUnixNano: '1', body: { intValue: '9007199254740993' } },
      { timeUnixNano: '1', body: { boolValue: false } },
      { timeUnixNano: '1' },
    ]).map((r) => r.body);
    expect(bodies).toEqual(['{"user":"kim","ids":[1,2.5]}', '9007199254740993', 'false', '']);
  });

  it('uses the observed time when the event time is unknown, and the other way round', () => {
    const [a, b] = rows([{ observedTimeUnixNano: '1700000000000000005' }, { timeUnixNano: '1700000000000000006' }]);
    expect([a.ts, a.observed_ts]).toEqual(['1700000000.000000005', '1700000000.000000005']);
    expect([b.ts, b.observed_ts]).toEqual(['1700000000.000000006', '1700000000.000000006']);
  });

  it('stores a record with no time at all at its receive time', () => {
    const before = Date.now();
    const [r] = rows([{ body: { stringValue: 'no time' } }]);
    const ms = Number(r.ts.split('.')[0]) * 1000;
    expect(r.ts).toBe(r.observed_ts);
    expect(ms).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });

  it('writes severity_number as UInt8 and flags as UInt32 whatever the decoded record says', () => {
    const decoded = decodeLogs(
      Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1700000000000000000' }] }] }] })),
      'json',
    );
    const record = decoded.resourceLogs[0].scopeLogs[0].logRecords[0];
    record.severityNumber = 300;
    record.flags = -1;
    const [row] = buildLogRows(decoded, CTX);
    expect([row.severity_number, row.flags]).toEqual([0, 0]);
  });

  it('writes retention_days as UInt16 whatever the context says', () => {
    const decoded = decodeLogs(
      Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1700000000000000000' }] }] }] })),
      'json',
    );
    expect(buildLogRows(decoded, { tenantId: 't', retentionDays: 70_000 })[0].retention_days).toBe(65_535);
    expect(buildLogRows(decoded, { tenantId: 't', retentionDays: -3 })[0].retention_days).toBe(0);
    expect(buildLogRows(decoded, { tenantId: 't', retentionDays: 30.7 })[0].retention_days).toBe(30);
  });
});
