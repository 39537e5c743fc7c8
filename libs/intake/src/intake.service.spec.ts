import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineBus } from '@meridian/bus';
import { decodeRows, type RowBatchMessage } from '@meridian/domain';
import { IntakeService } from './intake.service';

const span = (traceId: string, spanId: string) => ({
  traceId,
  spanId,
  name: 'GET /x',
  kind: 2,
  startTimeUnixNano: '1763000000000000000',
  endTimeUnixNano: '1763000000100000000',
});

describe('IntakeService', () => {
  it('keys span messages by trace so a trace stays in one partition, publishing a request all at once', async () => {
    const bus = new InlineBus({ maxBytesPerRegion: 1 << 20, deadLetterDir: mkdtempSync(join(tmpdir(), 'intake-spec-')) });
    const intake = new IntakeService(bus);
    const a = 'aa' + '1'.repeat(30);
    const a2 = 'aa' + '2'.repeat(30);
    const b = 'bb' + '3'.repeat(30);
    const body = JSON.stringify({
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeSpans: [{ spans: [span(a, '01'.repeat(8)), span(b, '02'.repeat(8)), span(a2, '03'.repeat(8)), span(a, '04'.repeat(8))] }] }],
    });
    const got: RowBatchMessage[] = [];
    const consumer = bus.consume('r1', { maxBytes: 1 << 20, maxRows: 100, maxWaitMs: 10 }, async (batch) => {
      got.push(...batch);
    });
    const result = await intake.accept('traces', 'json', new TextEncoder().encode(body), { tenantId: 't1', region: 'r1', retentionDays: 30 } as never);
    expect(result).toMatchObject({ accepted: 4, rejected: 0 });
    expect(await bus.drain(5_000)).toBe(true);
    await consumer.stop();
    await bus.close();
    const byKey = Object.fromEntries(got.map((m) => [m.key, decodeRows('spans', m.body).map((r) => r.trace_id).sort()]));
    expect(byKey).toEqual({ aa: [a, a, a2].sort(), bb: [b] });
    expect(got.every((m) => m.rowCount === byKey[m.key!].length)).toBe(true);
  });
});
