/**
 * Copies on the partition: the same bus message (same id) written twice at different offsets,
 * as the producer leaves it when it sends a partition again whose first send had landed after
 * all (kafka-bus.ts resends partitions no broker acknowledged; kafkajs retries a produce after a
 * leader change). The ingester consumer stores such a message once — also when another ingester
 * takes the partition over and has to read the ids before its committed offset back first.
 * Apache Kafka (1 broker), the real ingester, the real embedded ClickHouse.
 */
import { randomUUID } from 'node:crypto';
import { KafkaBus, regionTopics } from '@meridian/bus-kafka';
import type { RowBatchMessage } from '@meridian/domain';
import { IngesterService } from '@meridian/ingester';
import { createSelfMetrics } from '@meridian/self-metrics';
import { RowWriter, TelemetryQueries } from '@meridian/storage-clickhouse';
import { makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { type KafkaBroker, startKafkaBroker } from '@meridian/testing';
import { kafkaTestBusSettings, metricValue } from './support/kafka-env';
import { sleep, until } from './support/until';

const REGION = 'kc';
const WINDOW = 40;
const SETTINGS = kafkaTestBusSettings({ consumer: { dedupWindowMessages: WINDOW } });

describe('copies of a bus message on its partition are stored once', () => {
  let broker: KafkaBroker;
  let ch: TestClickHouse;
  let queries: TelemetryQueries;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    [broker, ch] = await Promise.all([startKafkaBroker({ brokers: 1 }), openTestClickHouse([REGION])]);
    queries = new TelemetryQueries(ch.clients);
  }, 240_000);
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await ch?.close();
    await broker?.stop();
  });

  it('by the ingester that read the first copy, and by one that takes the partition over later; not past the window', async () => {
    const topics = regionTopics(`copies-${randomUUID().slice(0, 8)}.`);
    for (const t of Object.values(topics)) await broker.createTopic(t, 1);
    const region = { id: REGION, brokers: broker.brokers, topics, consumerGroup: `${topics.spans}.ingester` };
    const tenant = `t-copies-${randomUUID().slice(0, 8)}`;
    const publisher = new KafkaBus({ regions: [region], settings: SETTINGS, kafkaLogLevel: 'nothing' });
    cleanups.push(() => publisher.close());
    const message = (): RowBatchMessage => {
      const rows = Array.from({ length: 5 }, () => makeSpanRow({ tenant_id: tenant }));
      return { id: `m-${randomUUID()}`, tenantId: tenant, region: REGION, table: 'spans', rowCount: 5, body: toRowBody('spans', rows), key: rows[0].trace_id };
    };
    const ingester = () => {
      const metrics = createSelfMetrics();
      const logs: string[] = [];
      const bus = new KafkaBus({
        regions: [region],
        settings: SETTINGS,
        metrics,
        log: (level, line) => logs.push(`${level} ${line}`),
        kafkaLogLevel: 'nothing',
      });
      const service = new IngesterService(bus, new RowWriter(ch.clients), {
        regions: [REGION],
        batchMaxRows: 1_000,
        batchMaxBytes: 8 * 1024 * 1024,
        flushIntervalMs: 100,
        retryInitialMs: 20,
        retryMaxMs: 200,
        maxAttemptsForDataErrors: 2,
        log: (l) => logs.push(l),
      });
      service.start();
      const stop = async () => {
        await service.stop();
        await bus.close();
      };
      cleanups.push(stop);
      return { metrics, logs, stop };
    };
    const rows = () => queries.countRows(REGION, tenant, 'spans');

    // Offsets 0..19, copies of 3 and 7 at 20 and 21, 22..31 new.
    const first = Array.from({ length: 20 }, message);
    await publisher.publish(first);
    await publisher.publish([first[3], first[7]]);
    const more = Array.from({ length: 10 }, message);
    await publisher.publish(more);
    const a = ingester();
    await until('30 messages stored by the first ingester', async () => (await rows()) >= 150 || undefined);
    await sleep(1_000); // a copy stored after all would show now
    expect(await rows()).toBe(150);
    expect(await metricValue(a.metrics, 'meridian_bus_copies_dropped_total')).toBe(2);
    expect(a.logs.join('\n')).toMatch(/dropped 2 copies of messages already in the partition \(offsets 20, 21\)/);
    await a.stop(); // committed offset 32

    // A copy of the last stored message, then a new one: a new ingester (no ids in memory) reads
    // the window before the committed offset back and recognises the copy.
    const last = more[more.length - 1];
    const later = message();
    await publisher.publish([last]);
    await publisher.publish([later]);
    const b = ingester();
    await until('the new message stored by the second ingester', async () => (await rows()) >= 155 || undefined);
    await sleep(1_000);
    expect(await rows()).toBe(155);
    expect(await metricValue(b.metrics, 'meridian_bus_copies_dropped_total')).toBe(1);

    // Past the window the same id is a new message (WINDOW offsets are all that is compared).
    const filler = Array.from({ length: WINDOW }, message);
    await publisher.publish(filler);
    await publisher.publish([first[0]]);
    await until('the filler and the far copy stored', async () => (await rows()) >= 155 + 5 * WINDOW + 5 || undefined);
    await sleep(1_000);
    expect(await rows()).toBe(155 + 5 * WINDOW + 5);
    expect(await metricValue(b.metrics, 'meridian_bus_copies_dropped_total')).toBe(1);
    await b.stop();
  }, 120_000);
});
