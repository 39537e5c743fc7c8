import { decodeLogs, type LogRecord } from './index';
import { hrNanos, logPayloads } from './sdk-payloads.fixture';

const json = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8');
const allRecords = (d: ReturnType<typeof decodeLogs>): LogRecord[] => d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));

describe('decodeLogs with SDK payloads', () => {
  const payloads = logPayloads();

  it('decodes protobuf and JSON to identical normalized objects', () => {
    const fromProtobuf = decodeLogs(payloads.protobuf, 'protobuf');
    expect(fromProtobuf.rejected).toBe(0);
    expect(decodeLogs(payloads.json, 'json')).toStrictEqual(fromProtobuf);
  });

  it.each(['protobuf', 'json'] as const)('keeps bodies, severities, ids, event names and times (%s)', (encoding) => {
    const d = decodeLogs(payloads[encoding], encoding);
    expect(d.resourceLogs[0].resource.attributes['service.name']).toBe('checkout');
    expect(d.resourceLogs[0].scopeLogs[0].scope).toMatchObject({ name: 'meridian-test', version: '1.2.3' });
    const [failed, structured] = allRecords(d);
    expect(failed).toEqual({
      timeUnixNano: hrNanos(0),
      observedTimeUnixNano: hrNanos(5),
      severityNumber: 17,
      severityText: 'ERROR',
      body: 'order 42 failed',
      attributes: { 'exception.type': 'TimeoutError', attempt: 3n },
      droppedAttributesCount: 0,
      flags: 1,
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      eventName: 'order.failed',
    });
    expect(structured).toMatchObject({
      timeUnixNano: hrNanos(1_000),
      observedTimeUnixNano: hrNanos(1_001),
      severityNumber: 9,
      severityText: '',
      traceId: '',
      spanId: '',
      eventName: '',
      body: { user: 'kim', ids: [1n, 2.5, 'x'], raw: new Uint8Array([0, 1, 254, 255]), nested: { ok: true } },
    });
  });
});

describe('decodeLogs per-item validation', () => {
  const record = (extra: Record<string, unknown>) => ({ timeUnixNano: '1700000000000000000', body: { stringValue: 'x' }, ...extra });
  const request = (records: unknown[]) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] });

  it('drops records with malformed ids; absent or zero ids are fine; a record with no time at all gets the receive time', () => {
    const d = decodeLogs(
      json(
        request([
          record({}),
          record({ traceId: '5b8efff798038103d269b633813fc6', spanId: 'eee19b7ec3c1b174' }),
          record({ timeUnixNano: '0' }),
          record({ timeUnixNano: '0', observedTimeUnixNano: '1700000000000000007', severityNumber: 'SEVERITY_NUMBER_WARN' }),
          record({ traceId: '00000000000000000000000000000000', spanId: '' }),
        ]),
      ),
      'json',
      { nowMs: 1_800_000_000_000 },
    );
    expect(d.rejected).toBe(1);
    expect(d.rejectReasons).toEqual(['resourceLogs[0].scopeLogs[0].logRecords[1].traceId: expected 32 hex characters or none']);
    const kept = allRecords(d);
    expect(kept).toHaveLength(4);
    expect(kept[1]).toMatchObject({ timeUnixNano: 0n, observedTimeUnixNano: 1_800_000_000_000_000_000n });
    expect(kept[2]).toMatchObject({ timeUnixNano: 0n, observedTimeUnixNano: 1700000000000000007n, severityNumber: 13 });
    expect(kept[3]).toMatchObject({ traceId: '', spanId: '' });
  });

  it('keeps an empty body as null', () => {
    const [r] = allRecords(decodeLogs(json(request([{ timeUnixNano: '1' }])), 'json'));
    expect(r.body).toBeNull();
  });
});
