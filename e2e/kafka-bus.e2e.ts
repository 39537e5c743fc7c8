/**
 * The Kafka bus against Apache Kafka (3 brokers, topics with replication factor 3 and
 * min.insync.replicas 2, the idempotent producer on) with the real ingester and the real embedded
 * ClickHouse.
 *
 * These run several ingesters (KafkaBus instances, each with its own kafkajs clients and group
 * membership) inside the jest process, sharing ONE embedded ClickHouse as their sink: chdb allows
 * one data path per process, so separate ingester processes could not write into a store the test
 * can read. Group membership, partition assignment, offsets and commits are all the broker's, so
 * what is tested — who owns which partition, what is committed when — is the same as across
 * processes (e2e/kafka-distributed.e2e.ts covers real separate processes).
 */
import { randomUUID } from 'node:crypto';
import { type Consumer, type ConsumerConfig, Kafka, logLevel } from 'kafkajs';
import { KAFKA_COMPRESSIONS, KafkaBus, regionTopics, tenantPartitions } from '@meridian/bus-kafka';
import type { RowBatchMessage, RowBody, RowTable } from '@meridian/domain';
import { dedupToken, IngesterService, type RowSink } from '@meridian/ingester';
import { createSelfMetrics, type SelfMetrics } from '@meridian/self-metrics';
import { RowWriter, TelemetryQueries } from '@meridian/storage-clickhouse';
import { makeSpanRow, openTestClickHouse, toRowBody, type TestClickHouse } from '@meridian/storage-clickhouse/testing';
import { type KafkaBroker, startKafkaBroker } from '@meridian/testing';
import { kafkaTestBusSettings, metricValue } from './support/kafka-env';
import { sleep, until } from './support/until';

const REGION = 'kt';
const SETTINGS = kafkaTestBusSettings({ producer: { idempotent: true } });

let seq = 0;
function spanMessage(tenantId: string, rows: number): RowBatchMessage {
  const r = Array.from({ length: rows }, () => makeSpanRow({ tenant_id: tenantId }));
  return { id: `m-${randomUUID()}`, tenantId, region: REGION, table: 'spans', rowCount: rows, body: toRowBody('spans', r), key: r[0].trace_id };
}

/** A real writer behind a switch: fails like an unreachable ClickHouse until `downUntil`. */
class FlakyWriter implements RowSink {
  downUntil = 0;
  failures = 0;
  constructor(private readonly inner: RowSink) {}
  async insert(regionId: string, table: RowTable, body: RowBody, token: string): Promise<void> {
    if (Date.now() < this.downUntil) {
      this.failures++;
      throw new Error('ClickHouse unreachable (simulated outage)');
    }
    await this.inner.insert(regionId, table, body, token);
  }
}

describe('KafkaBus with a real broker, the ingester and embedded ClickHouse', () => {
  let broker: KafkaBroker;
  let ch: TestClickHouse;
  let queries: TelemetryQueries;
  let writer: RowWriter;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    [broker, ch] = await Promise.all([startKafkaBroker({ brokers: 3 }), openTestClickHouse([REGION])]);
    queries = new TelemetryQueries(ch.clients);
    writer = new RowWriter(ch.clients);
  }, 120_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  afterAll(async () => {
    await ch?.close();
    await broker?.stop();
  });

  /** A fresh region layout (own topics and group) so tests do not see each other's messages. */
  async function layout(partitions: number) {
    const prefix = `t${++seq}-${randomUUID().slice(0, 8)}.`;
    const topics = regionTopics(prefix);
    for (const t of Object.values(topics)) await broker.createTopic(t, partitions);
    return { id: REGION, brokers: broker.brokers, topics, consumerGroup: `${prefix}ingester` };
  }

  function ingester(region: Awaited<ReturnType<typeof layout>>, sink: RowSink, opts: { metrics?: SelfMetrics; batchMaxRows?: number } = {}) {
    const logs: string[] = [];
    const bus = new KafkaBus({
      regions: [region],
      settings: SETTINGS,
      metrics: opts.metrics,
      log: (level, line) => logs.push(`${level} ${line}`),
      kafkaLogLevel: 'nothing',
    });
    const service = new IngesterService(bus, sink, {
      regions: [REGION],
      batchMaxRows: opts.batchMaxRows ?? 500,
      batchMaxBytes: 8 * 1024 * 1024,
      flushIntervalMs: 100,
      retryInitialMs: 20,
      retryMaxMs: 200,
      maxAttemptsForDataErrors: 2,
      metrics: opts.metrics,
      log: (l) => logs.push(l),
    });
    service.start();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await service.stop();
      await bus.close();
    };
    cleanups.push(stop);
    return { bus, service, logs, stop };
  }

  it('stores every published message exactly once, batching per partition, and reports lag and batch sizes', async () => {
    const region = await layout(4);
    const tenant = `t-all-${seq}`;
    const metrics = createSelfMetrics();
    const publisher = new KafkaBus({ regions: [region], settings: SETTINGS, kafkaLogLevel: 'nothing' });
    cleanups.push(() => publisher.close());
    // Published before the ingester starts: a new group reads from the beginning.
    const early = Array.from({ length: 40 }, () => spanMessage(tenant, 10));
    await publisher.publish(early);
    const ing = ingester(region, writer, { metrics });
    for (let i = 0; i < 20; i++) await publisher.publish(Array.from({ length: 8 }, () => spanMessage(tenant, 10)));
    await until('all rows stored', async () => (await queries.countRows(REGION, tenant, 'spans')) === 2_000 || undefined);
    await until('lag back to 0', async () => (await metricValue(metrics, 'meridian_bus_consumer_lag')) === 0 || undefined);
    expect(await metricValue(metrics, 'meridian_bus_committed_messages_total')).toBe(200);
    // Fewer inserts than messages: batches are formed across fetches, per partition.
    const batches = (await metrics.getSingleMetric('meridian_ingester_batch_rows')!.get()).values.find(
      (v) => (v as { metricName?: string }).metricName === 'meridian_ingester_batch_rows_count',
    )!.value;
    expect(batches).toBeLessThan(200);
    expect(await metricValue(metrics, 'meridian_ingester_rows_total')).toBe(2_000);
    expect(await metrics.metrics()).toMatch(/meridian_bus_consumer_lag\{region="kt",topic=".*spans",partition="\d"\} 0/);
    await ing.stop();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(2_000);
  }, 90_000);

  it('keeps a tenant’s backlog in its own partitions: another tenant published after it is stored while the backlog is still being read', async () => {
    // Row messages go to 2 of a topic's partitions per tenant (tenant-partitions.ts). Picked here:
    // two tenants whose partitions do not overlap (most pairs of tenants, with more partitions).
    const region = await layout(8);
    const own = (t: string) => tenantPartitions(t, 8, SETTINGS.producer.tenantPartitions);
    const flooder = `t-flood-${seq}`;
    let victim = '';
    for (let i = 0; !victim; i++) if (!own(`t-quiet-${seq}-${i}`).some((p) => own(flooder).includes(p))) victim = `t-quiet-${seq}-${i}`;
    const publisher = new KafkaBus({ regions: [region], settings: SETTINGS, kafkaLogLevel: 'nothing' });
    cleanups.push(() => publisher.close());
    // All published before an ingester runs, the victim's one message last.
    const backlog = 60 * 500;
    for (let i = 0; i < 12; i++) await publisher.publish(Array.from({ length: 5 }, () => spanMessage(flooder, 500)));
    await publisher.publish([spanMessage(victim, 10)]);
    ingester(region, writer);
    await until('the victim’s rows stored', async () => (await queries.countRows(REGION, victim, 'spans')) === 10 || undefined, 60_000);
    const flooderStored = await queries.countRows(REGION, flooder, 'spans');
    // Keyed over every partition, the victim's message would wait behind the backlog of its partition.
    expect(flooderStored).toBeLessThan(backlog / 2);
    await until('the backlog stored', async () => (await queries.countRows(REGION, flooder, 'spans')) === backlog || undefined, 120_000);
  }, 180_000);

  it('takes every compression setting: lz4, gzip and none batches on one topic are stored exactly once', async () => {
    // The brokers decompress LZ4 and gzip batches to validate them (a frame they cannot read is
    // refused as corrupt), and one consumer reads whatever mix a change of the setting leaves.
    const region = await layout(2);
    const tenant = `t-codec-${seq}`;
    const ing = ingester(region, writer);
    for (const compression of KAFKA_COMPRESSIONS) {
      const publisher = new KafkaBus({
        regions: [region],
        settings: kafkaTestBusSettings({ producer: { idempotent: true, compression } }),
        kafkaLogLevel: 'nothing',
      });
      cleanups.push(() => publisher.close());
      // Rows of one tenant compress well, as real bodies do: the compressed batches are far smaller.
      for (let i = 0; i < 5; i++) await publisher.publish(Array.from({ length: 4 }, () => spanMessage(tenant, 50)));
    }
    await until('all rows stored', async () => (await queries.countRows(REGION, tenant, 'spans')) === 3 * 5 * 4 * 50 || undefined);
    await ing.stop();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(3_000);
    expect(ing.logs.filter((l) => /undecodable|dead letters|crashed/i.test(l))).toEqual([]);
  }, 90_000);

  it('re-forms exactly the batch planned before a crash, so the retried insert is deduplicated', async () => {
    const region = await layout(1);
    const tenant = `t-plan-${seq}`;
    const publisher = new KafkaBus({ regions: [region], settings: SETTINGS, kafkaLogLevel: 'nothing' });
    cleanups.push(() => publisher.close());
    const messages = Array.from({ length: 12 }, () => spanMessage(tenant, 5));
    for (const m of messages) await publisher.publish([m]);

    // A previous ingester planned offsets 0..4, inserted them, and died before committing 5.
    await writer.insert(REGION, 'spans', Buffer.concat(messages.slice(0, 5).map((m) => m.body)), dedupToken(messages.slice(0, 5)));
    const kafka = new Kafka({ clientId: 'crashed-ingester', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const crashed = kafka.consumer({ groupId: region.consumerGroup, sessionTimeout: 3_000, heartbeatInterval: 300, rebalanceTimeout: 3_000 });
    await crashed.connect();
    await crashed.subscribe({ topics: [region.topics.spans], fromBeginning: true });
    let planned = false;
    await crashed.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, commitOffsetsIfNecessary }) => {
        if (planned) return;
        await commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: '0', metadata: JSON.stringify({ v: 1, start: '0', end: '4' }) } as never],
            },
          ],
        });
        planned = true;
      },
    });
    await until('plan committed', () => planned || undefined);
    await crashed.disconnect();

    const batches: string[][] = [];
    const recording: RowSink = { insert: (r, t, body, token) => writer.insert(r, t, body, token) };
    const ing = ingester(region, recording, { batchMaxRows: 1_000 });
    const original = ing.service.store.bind(ing.service);
    ing.service.store = (r, batch, ctx) => (batches.push(batch.map((m) => m.id)), original(r, batch, ctx));
    await until('all rows stored', async () => (await queries.countRows(REGION, tenant, 'spans')) >= 60 || undefined);
    await ing.stop();
    expect(batches[0]).toEqual(messages.slice(0, 5).map((m) => m.id)); // exactly the plan, not "all 12"
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(60); // the planned 25 rows once, not twice
  }, 90_000);

  it('two ingesters in one group split the partitions; one leaves mid-stream; nothing lost or doubled', async () => {
    const region = await layout(6);
    const tenant = `t-split-${seq}`;
    // Over every partition (tenantPartitions 0): one tenant's 2 partitions could both be a's.
    const spread = { ...SETTINGS, producer: { ...SETTINGS.producer, tenantPartitions: 0 } };
    const publisher = new KafkaBus({ regions: [region], settings: spread, kafkaLogLevel: 'nothing' });
    cleanups.push(() => publisher.close());
    let published = 0;
    let publishing = true;
    const pump = (async () => {
      while (publishing) {
        await publisher.publish(Array.from({ length: 4 }, () => spanMessage(tenant, 5)));
        published += 20;
        await sleep(40);
      }
    })();
    const a = ingester(region, writer);
    await until('a stores', () => a.service.stats.rows > 0 || undefined);
    const b = ingester(region, writer);
    await until('both store (partitions split)', () => (a.service.stats.rows > 0 && b.service.stats.rows > 0 ? true : undefined), 30_000);
    const beforeLeave = b.service.stats.rows;
    await a.stop(); // leaves the group: b takes over a's partitions
    await until('b takes over', () => b.service.stats.rows > beforeLeave + 200 || undefined, 30_000);
    publishing = false;
    await pump;
    await until('everything stored', async () => (await queries.countRows(REGION, tenant, 'spans')) >= published || undefined, 30_000);
    await sleep(500); // a duplicate would show up now
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(published);
    const now = Date.now();
    const hitmap = await queries.hitmap(REGION, tenant, { from: new Date(now - 3_600_000), to: new Date(now + 60_000) });
    expect(hitmap.hits.reduce((n, h) => n + h, 0)).toBe(published); // materialized views not doubled either
  }, 120_000);

  it('pauses partitions while ClickHouse is down and catches up without loss', async () => {
    const region = await layout(2);
    const tenant = `t-outage-${seq}`;
    const metrics = createSelfMetrics();
    const flaky = new FlakyWriter(writer);
    const publisher = new KafkaBus({ regions: [region], settings: SETTINGS, kafkaLogLevel: 'nothing' });
    cleanups.push(() => publisher.close());
    const ing = ingester(region, flaky, { metrics, batchMaxRows: 50 });
    await publisher.publish([spanMessage(tenant, 10), spanMessage(tenant, 10)]);
    await until('consuming', async () => (await queries.countRows(REGION, tenant, 'spans')) === 20 || undefined);
    flaky.downUntil = Date.now() + 4_000;
    let maxPaused = 0;
    const sampler = setInterval(() => void metricValue(metrics, 'meridian_bus_paused_partitions').then((v) => (maxPaused = Math.max(maxPaused, v))), 50);
    for (let i = 0; i < 28; i++) {
      await publisher.publish([spanMessage(tenant, 10)]);
      await sleep(100);
    }
    await until('caught up', async () => (await queries.countRows(REGION, tenant, 'spans')) === 300 || undefined, 30_000);
    clearInterval(sampler);
    expect(flaky.failures).toBeGreaterThan(0);
    expect(maxPaused).toBeGreaterThan(0);
    expect(await metricValue(metrics, 'meridian_ingester_insert_retries_total')).toBe(flaky.failures);
    // The last insert can land just before its partition is resumed: resumed soon after, not at that instant.
    await until('partitions resumed', async () => ((await metricValue(metrics, 'meridian_bus_paused_partitions')) === 0 ? true : undefined), 10_000);
    await ing.stop();
    expect(await queries.countRows(REGION, tenant, 'spans')).toBe(300);
  }, 90_000);

  it('parks poison and undecodable messages in the dead-letter topic with their reason; list and replay marks', async () => {
    const region = await layout(2);
    const tenant = `t-poison-${seq}`;
    const publisher = new KafkaBus({ regions: [region], settings: SETTINGS, kafkaLogLevel: 'nothing' });
    cleanups.push(() => publisher.close());
    const good1 = spanMessage(tenant, 10);
    const poison: RowBatchMessage = { ...spanMessage(tenant, 1), body: Buffer.from('["x", "not a time", "abc"]\n') };
    const good2 = spanMessage(tenant, 10);
    await publisher.publish([good1, poison, good2]);
    // A record some other client wrote without Meridian's headers.
    const raw = new Kafka({ clientId: 'foreign', brokers: broker.brokers, logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    await raw.send({ topic: region.topics.spans, messages: [{ value: 'not a meridian message' }] });
    await raw.disconnect();

    const ing = ingester(region, writer);
    await until('good rows stored', async () => (await queries.countRows(REGION, tenant, 'spans')) === 20 || undefined);
    const parked = await until('both parked', async () => {
      const list = await publisher.listDeadLetters(REGION, { timeoutMs: 15_000 });
      return list.length >= 2 ? list : undefined;
    });
    const p = parked.find((e) => e.id === poison.id)!;
    expect(p.reason).toMatch(/insert into .*spans/);
    expect(p.body.equals(poison.body)).toBe(true);
    expect(p).toMatchObject({ tenantId: tenant, table: 'spans', rowCount: 1 });
    expect(p.position).toMatch(new RegExp(`^${region.topics.deadLetter.replace(/\./g, '\\.')}/\\d+/\\d+$`));
    const foreign = parked.find((e) => e.id !== poison.id)!;
    expect(foreign.reason).toMatch(/undecodable bus message .*meridian-id missing/);
    expect(foreign.body.toString()).toBe('not a meridian message');
    expect(ing.service.stats.deadLettered).toBe(1);

    await publisher.markReplayed(REGION, [poison.id]);
    const after = await publisher.listDeadLetters(REGION, { timeoutMs: 15_000 });
    expect(after.find((e) => e.id === poison.id)!.replayedAt).toBeTruthy();
    expect(after.find((e) => e.id === foreign.id)!.replayedAt).toBeUndefined();
  }, 90_000);
});

describe('KafkaBus consumer crash', () => {
  // On librdkafka's mock: it can answer requests with any error, and forgets every group and
  // offset when restarted. Apache Kafka keeps them on disk (its restarts are the other tests).
  const HEARTBEAT = 12;
  const GROUP_ID_NOT_FOUND = 69;

  /** A mock broker, an ingester on it, and its log (timestamped; printed when a test fails). */
  async function crashRig() {
    const broker = await startKafkaBroker({ brokers: 1, kind: 'mock' });
    const ch = await openTestClickHouse([REGION]);
    const prefix = `crash-${randomUUID().slice(0, 8)}.`;
    const region = { id: REGION, brokers: broker.brokers, topics: regionTopics(prefix), consumerGroup: `${prefix}ingester` };
    for (const t of Object.values(region.topics)) await broker.createTopic(t, 2);
    const queries = new TelemetryQueries(ch.clients);
    const logs: string[] = [];
    const log = (line: string) => logs.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    const bus = new KafkaBus({ regions: [region], settings: SETTINGS, log: (l, line) => log(`${l} ${line}`), kafkaLogLevel: 'nothing' });
    const service = new IngesterService(bus, new RowWriter(ch.clients), {
      regions: [REGION],
      batchMaxRows: 500,
      batchMaxBytes: 1 << 23,
      flushIntervalMs: 100,
      retryInitialMs: 20,
      retryMaxMs: 200,
      maxAttemptsForDataErrors: 2,
      log: (l) => log(l),
    });
    const tenant = `t-crash-${seq++}`;
    let stored: number | undefined;
    const count = async () => (stored = await queries.countRows(REGION, tenant, 'spans'));
    const storedReaches = (n: number, what: string, timeoutMs?: number) => until(what, async () => (await count()) === n || undefined, timeoutMs);
    /** Runs `body` with the ingester started; a failure carries the stored count and the log. */
    const run = async (body: () => Promise<void>) => {
      try {
        service.start();
        await body();
      } catch (e) {
        throw new Error(`${(e as Error).message} (${stored} of the tenant's spans stored)\n--- ingester log ---\n${logs.join('\n')}`);
      } finally {
        await service.stop();
        await bus.close();
        await ch.close();
        await broker.stop();
      }
    };
    return { broker, bus, tenant, log, logs, count, storedReaches, run };
  }

  it('rebuilds a consumer kafkajs gave up on ("group id not found") and consumes again, from the committed offsets', async () => {
    const { broker, bus, tenant, log, logs, count, storedReaches, run } = await crashRig();
    // Every kafkajs consumer the bus makes, to play kafkajs restarting the one it gave up on.
    const made: Consumer[] = [];
    const makeConsumer = Kafka.prototype.consumer;
    Kafka.prototype.consumer = function (this: Kafka, config: ConsumerConfig) {
      const c = makeConsumer.call(this, config);
      made.push(c);
      return c;
    };
    try {
      await run(async () => {
        await bus.publish([spanMessage(tenant, 10)]);
        await storedReaches(10, 'first rows stored');
        // A non-retriable answer to a heartbeat: kafkajs stops the consumer for good.
        await broker.failRequests(HEARTBEAT, GROUP_ID_NOT_FOUND, 1);
        await until('consumer rebuilt', () => bus.consumerRebuilds() > 0 || undefined, 40_000);
        await bus.publish([spanMessage(tenant, 7)]);
        // 17, not 27: the rebuilt consumer starts from the offsets committed before the crash.
        await storedReaches(17, 'rows after the rebuild stored', 40_000);
        expect(logs.join('\n')).toMatch(/crashed for good \(The group id was not found\); rebuilding it/);
        await sleep(1_000);
        expect(await count()).toBe(17);

        // kafkajs may still restart the consumer it gave up on (a restart planned for an earlier,
        // overlapping crash), with the same settings. Back in the group it would hold partitions
        // whose batches nobody stores. 8 messages over the tenant's 2 partitions: a partition left
        // to it would keep some of them from being stored.
        const given = made[0];
        given.on(given.events.GROUP_JOIN, () => log('test: the consumer given up on joined the group'));
        given.on(given.events.CRASH, (e) => log(`test: the consumer given up on crashed (${e.payload.error.message})`));
        await given.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(() => undefined);
        await bus.publish(Array.from({ length: 8 }, () => spanMessage(tenant, 1)));
        await storedReaches(25, 'rows published after it came back stored', 40_000);
      });
    } finally {
      Kafka.prototype.consumer = makeConsumer;
    }
  }, 150_000);

  it('consumes again after the broker restarted empty (groups, offsets and messages gone)', async () => {
    // Depending on when the consumer notices, kafkajs restarts it (connection refused) or gives up
    // on it ("group id not found") and it is rebuilt; either way what is published next is stored.
    const { broker, bus, tenant, log, storedReaches, run } = await crashRig();
    await run(async () => {
      await bus.publish([spanMessage(tenant, 10)]);
      await storedReaches(10, 'first rows stored');
      log('test: restarting the broker');
      await broker.restart();
      const late = spanMessage(tenant, 7);
      await until(
        'publish after restart',
        async () =>
          bus.publish([late]).then(
            () => true,
            (e: Error) => void log(`test: publish failed (${e.message})`),
          ),
        20_000,
      );
      log('test: published');
      await storedReaches(17, 'rows after restart stored', 40_000);
    });
  }, 120_000);
});
