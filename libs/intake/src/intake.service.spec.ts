import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineBus } from '@meridian/bus';
import { decodeMessageRows, type RowBatchMessage } from '@meridian/domain';
import { DEFAULT_ITEM_LIMITS } from '@meridian/otlp';
import { createSelfMetrics, exposition } from '@meridian/self-metrics';
import { IntakeService } from './intake.service';

/** Recent: intake rejects spans older than the tenant's retention. */
const HOUR_AGO = (BigInt(Date.now()) - 3_600_000n) * 1_000_000n;
const span = (traceId: string, spanId: string) => ({
  traceId,
  spanId,
  name: 'GET /x',
  kind: 2,
  startTimeUnixNano: String(HOUR_AGO),
  endTimeUnixNano: String(HOUR_AGO + 100_000_000n),
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
    const byKey = Object.fromEntries(got.map((m) => [m.key, decodeMessageRows({ ...m, table: 'spans' }).map((r) => r.trace_id).sort()]));
    expect(byKey).toEqual({ a: [a, a, a2].sort(), b: [b] });
    expect(got.every((m) => m.format === 'Native')).toBe(true);
    expect(got.every((m) => m.rowCount === byKey[m.key!].length)).toBe(true);
  });

  it('applies the configured per-item limits and counts the cuts in meridian_intake_truncated_total by signal', async () => {
    const bus = new InlineBus({ maxBytesPerRegion: 1 << 20, deadLetterDir: mkdtempSync(join(tmpdir(), 'intake-spec-')) });
    const metrics = createSelfMetrics({ processMetrics: false });
    const limits = { ...DEFAULT_ITEM_LIMITS, maxAttributesPerItem: 2, maxAttributeValueBytes: 4, maxEventsPerSpan: 1 };
    const intake = new IntakeService(bus, metrics, {}, limits);
    const attributes = ['a', 'b', 'c'].map((key) => ({ key, value: { stringValue: 'long value' } }));
    const events = [1, 2, 3].map((i) => ({ timeUnixNano: String(HOUR_AGO + BigInt(i)), name: `e${i}` }));
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...span('cc' + '1'.repeat(30), '05'.repeat(8)), attributes, events }] }] }] });
    const got: RowBatchMessage[] = [];
    const consumer = bus.consume('r1', { maxBytes: 1 << 20, maxRows: 100, maxWaitMs: 10 }, async (batch) => {
      got.push(...batch);
    });
    const result = await intake.accept('traces', 'json', new TextEncoder().encode(body), { tenantId: 't1', region: 'r1', retentionDays: 30 } as never);
    expect(result).toMatchObject({ accepted: 1, rejected: 0 });
    expect(await bus.drain(5_000)).toBe(true);
    await consumer.stop();
    await bus.close();
    const [row] = decodeMessageRows({ ...got[0], table: 'spans' });
    expect(row.attributes).toEqual({ a: 'long', b: 'long' });
    expect(row.events_name).toEqual(['e1']);
    const text = await exposition(metrics, { perTenant: false });
    expect(text).toContain('meridian_intake_truncated_total{signal="traces",what="attributes"} 1');
    expect(text).toContain('meridian_intake_truncated_total{signal="traces",what="attribute_value"} 2');
    expect(text).toContain('meridian_intake_truncated_total{signal="traces",what="events"} 2');
  });
});
