import type { RowBatchMessage } from '@meridian/domain';
import { createSelfMetrics } from '@meridian/self-metrics';
import { KafkaBus } from './kafka-bus';
import { regionTopics } from './kafka-settings';

// No broker is needed: a dead letter over the tenant's hourly budget is dropped before anything is sent.
describe('KafkaBus dead-letter budget per tenant', () => {
  it('drops and counts dead letters past bus.deadLetters.kafkaTenantBytesPerHour, without the tenant id in /metrics', async () => {
    const metrics = createSelfMetrics();
    const logs: string[] = [];
    const bus = new KafkaBus({
      regions: [{ id: 'r1', brokers: ['127.0.0.1:1'], topics: regionTopics('meridian.r1.'), consumerGroup: 'g' }],
      metrics,
      log: (_level, line) => logs.push(line),
      kafkaLogLevel: 'nothing',
      deadLetterTenantBytesPerHour: 1000,
    });
    const tenantId = '9f1c7a52-0d7e-4c55-9a47-2b8f0e6d3c11';
    const big: RowBatchMessage = { id: 'big-1', tenantId, region: 'r1', table: 'spans', rowCount: 1, body: Buffer.alloc(5000, 'x') };
    await bus.deadLetter(big, 'CANNOT_PARSE_INPUT');
    await bus.deadLetter({ ...big, id: 'big-2' }, 'CANNOT_PARSE_INPUT');
    const text = await metrics.metrics();
    expect(text).toMatch(/meridian_dead_letters_dropped_total\{region="r1",reason="tenant rate"\} 2/);
    expect(text).not.toContain(tenantId);
    expect(logs.filter((l) => l.includes('kafkaTenantBytesPerHour'))).toHaveLength(2);
    await bus.close();
  });
});
