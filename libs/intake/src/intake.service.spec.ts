import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineBus } from '@meridian/bus';
import { decodeMessageRows, type RowBatchMessage } from '@meridian/domain';
import { DEFAULT_ITEM_LIMITS } from '@meridian/otlp';
import { createSelfMetrics, exposition } from '@meridian/self-metrics';
import { IntakeService } from './intake.service';
import { MESSAGE_MAX_ROWS } from './request-rows';

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
  it('publishes a request all at once, as Native messages of at most MESSAGE_MAX_ROWS rows (ClickHouse pays per block)', async () => {
    const bus = new InlineBus({ maxBytesPerRegion: 16 << 20, deadLetterDir: mkdtempSync(join(tmpdir(), 'intake-spec-')) });
    const intake = new IntakeService(bus);
    const n = 2 * MESSAGE_MAX_ROWS + 500;
    const spans = Array.from({ length: n }, (_, i) => span(`${(i % 16).toString(16)}${'1'.repeat(31)}`, (i + 1).toString(16).padStart(16, '0')));
    const body = JSON.stringify({
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeSpans: [{ spans }] }],
    });
    const published: RowBatchMessage[][] = [];
    const publish = bus.publish.bind(bus);
    bus.publish = (messages) => (published.push([...messages]), publish(messages));
    const consumer = bus.consume('r1', { maxBytes: 16 << 20, maxRows: 10_000, maxWaitMs: 10 }, async () => undefined);
    const result = await intake.accept('traces', 'json', new TextEncoder().encode(body), { tenantId: 't1', region: 'r1', retentionDays: 30 } as never);
    expect(result).toMatchObject({ accepted: n, rejected: 0 });
    expect(published).toHaveLength(1); // one publish: a 503 never leaves half a request on the bus
    const [messages] = published;
    expect(messages.map((m) => m.rowCount)).toEqual([MESSAGE_MAX_ROWS, MESSAGE_MAX_ROWS, 500]);
    expect(messages.every((m) => m.format === 'Native' && m.tenantId === 't1' && m.table === 'spans')).toBe(true);
    const ids = messages.flatMap((m) => decodeMessageRows({ ...m, table: 'spans' }).map((r) => r.span_id));
    expect(ids).toEqual(spans.map((s) => s.spanId));
    await consumer.stop();
    await bus.close();
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
