import { randomBytes } from 'node:crypto';
import {
  type Admin,
  ConfigResourceTypes,
  Kafka,
  type KafkaMessage,
  logLevel,
  type LogEntry,
  type Message,
  type ISocketFactory,
  type PartitionerArgs,
  Partitioners,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import {
  type BatchHandler,
  type Bus,
  type BusConsumer,
  BusUnavailableError,
  type ConsumeOptions,
  type DeadLetterEntry,
  type DeadLetterListOptions,
  deadLetterMetrics,
  type RegionBusStats,
} from '@meridian/bus';
import type { RowBatchMessage, RowTable } from '@meridian/domain';
import { createSelfMetrics, type SelfMetrics } from '@meridian/self-metrics';
import { compressionType, registerKafkaCodecs } from './compression';
import { kafkaBusMetrics, type KafkaBusMetrics } from './kafka-metrics';
import { DEFAULT_KAFKA_BUS_SETTINGS, type KafkaBusSettings, type KafkaRegionSettings } from './kafka-settings';
import { header, HEADER, toKafkaMessage } from './message-codec';
import { tenantPartition } from './tenant-partitions';
import { errorText, RegionConsumer, settleWithin } from './region-consumer';

export interface KafkaBusOptions {
  regions: readonly KafkaRegionSettings[];
  settings?: KafkaBusSettings;
  metrics?: SelfMetrics;
  log?: (level: 'info' | 'warn' | 'error', line: string) => void;
  /** kafkajs's own log lines at or above this level are passed to `log` (default: warn). */
  kafkaLogLevel?: 'error' | 'warn' | 'info' | 'nothing';
  /**
   * Bytes of dead letters one tenant may write per clock hour from this process; past it they
   * are counted (`meridian_dead_letters_dropped_total{reason="tenant rate"}`) and dropped. The
   * topic's total is bounded by its `retention.bytes` (README).
   */
  deadLetterTenantBytesPerHour?: number;
  /** kafkajs' socket factory (tests use one that loses a broker's answer); default: plain TCP. */
  socketFactory?: ISocketFactory;
}

interface RegionClient {
  settings: KafkaRegionSettings;
  kafka: Kafka;
  producer?: Promise<Producer>;
  admin?: Promise<Admin>;
  published: number;
  /** Sends waiting for the one being sent (KafkaBus.send). */
  queue: QueuedSend[];
  sending?: Promise<void>;
}

type TopicMessages = { topic: string; messages: Message[] };

interface QueuedSend {
  topicMessages: TopicMessages[];
  bytes: number;
  /** Resolves the send, or rejects it with `error`. */
  settle(ok: boolean, error?: unknown): void;
}

/**
 * Value bytes of the sends batched into one kafkajs sendBatch (more when one send alone is
 * larger): well under the brokers' default 1 MiB record batch even when all go to one partition.
 */
const SEND_BATCH_BYTES = 1024 * 1024;

const LOG_LEVELS = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO } as const;

/**
 * The distributed-mode bus: per region one Kafka cluster (brokers from the region registry), one
 * topic per signal table and a dead-letter topic. Publishing resolves only when every partition
 * leader and its in-sync replicas have the messages (acks = all), so intake's 2xx means durable;
 * anything else is a BusUnavailableError (503 + Retry-After). Consuming is a consumer group per
 * region (RegionConsumer): batches per partition, offsets committed only after the handler stored
 * the batch, deterministic batches across redelivery.
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly regions = new Map<string, RegionClient>();
  private readonly consumers = new Set<RegionConsumer>();
  private readonly settings: KafkaBusSettings;
  private readonly metrics: KafkaBusMetrics;
  private readonly log: NonNullable<KafkaBusOptions['log']>;
  private pendingBytes = 0;
  private pendingPublishes = new Set<Promise<unknown>>();
  private closed = false;
  private readonly deadLetterMetrics: ReturnType<typeof deadLetterMetrics>;
  /** Dead-letter bytes per tenant in the current hour (`hour` is its start, ms). */
  private deadLetterBudget = { hour: 0, bytes: new Map<string, number>() };

  constructor(private readonly options: KafkaBusOptions) {
    this.settings = options.settings ?? DEFAULT_KAFKA_BUS_SETTINGS;
    registerKafkaCodecs(); // before any consumer reads an LZ4 batch
    this.metrics = kafkaBusMetrics(options.metrics);
    this.deadLetterMetrics = deadLetterMetrics(options.metrics ?? createSelfMetrics());
    this.log = options.log ?? ((level, line) => (level === 'info' ? undefined : console.warn(line)));
    const kafkaLevel = LOG_LEVELS[options.kafkaLogLevel ?? 'warn'];
    for (const r of options.regions) {
      const kafka = new Kafka({
        clientId: `${this.settings.clientId}-${r.id}`,
        brokers: r.brokers,
        connectionTimeout: this.settings.connectionTimeoutMs,
        requestTimeout: this.settings.producer.requestTimeoutMs,
        // Connection retries bounded like the producer's, so a send to a dead cluster fails well
        // within publishTimeoutMs: a send that keeps retrying in the background after intake
        // answered 503 could still land, and the client's retry would then store it twice.
        retry: { retries: Math.max(1, this.settings.producer.retries), initialRetryTime: 100, maxRetryTime: 1_000 },
        logLevel: kafkaLevel,
        ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
        logCreator: () => (entry: LogEntry) => {
          const level = entry.level <= logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'info';
          const { message, error } = entry.log as { message?: string; error?: string };
          this.log(level, `kafkajs [${r.id}] ${entry.namespace}: ${message ?? ''}${error ? ` (${error})` : ''}`);
        },
      });
      this.regions.set(r.id, { settings: r, kafka, published: 0, queue: [] });
    }
  }

  private region(id: string): RegionClient {
    const r = this.regions.get(id);
    if (!r) throw new Error(`region "${id}" has no kafka settings; configured: ${[...this.regions.keys()].join(', ')}`);
    return r;
  }

  private producer(r: RegionClient): Promise<Producer> {
    if (!r.producer) {
      const p = this.settings.producer;
      const producer = r.kafka.producer({
        idempotent: p.idempotent,
        maxInFlightRequests: p.maxInFlightRequests,
        allowAutoTopicCreation: true,
        createPartitioner: () => recordingPartitioner(r.settings.topics.deadLetter, p.tenantPartitions),
        retry: { retries: p.retries, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      r.producer = producer.connect().then(
        () => producer,
        (e) => {
          r.producer = undefined;
          throw e;
        },
      );
    }
    return r.producer;
  }

  /** After a failed send the producer may hold a stale connection or sequence state: start over. */
  private resetProducer(r: RegionClient): void {
    const p = r.producer;
    r.producer = undefined;
    void p?.then((producer) => producer.disconnect()).catch(() => undefined);
  }

  admin(regionId: string): Promise<Admin> {
    const r = this.region(regionId);
    if (!r.admin) {
      const admin = r.kafka.admin({ retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 } });
      r.admin = admin.connect().then(
        () => admin,
        (e) => {
          r.admin = undefined;
          throw e;
        },
      );
    }
    return r.admin;
  }

  async publish(messages: readonly RowBatchMessage[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus is shutting down', this.settings.producer.retryAfterSeconds);
    const bytes = messages.reduce((n, m) => n + m.body.length, 0);
    const byRegion = new Map<string, RowBatchMessage[]>();
    for (const m of messages) byRegion.set(m.region, [...(byRegion.get(m.region) ?? []), m]);
    for (const id of byRegion.keys()) this.region(id); // unknown region: a configuration error, not an outage
    if (this.pendingBytes + bytes > this.settings.producer.maxPendingBytes && this.pendingBytes > 0) {
      for (const id of byRegion.keys()) this.metrics.publishFailures.inc({ region: id, reason: 'in-flight limit' });
      throw new BusUnavailableError(`kafka producer has ${this.pendingBytes} bytes in flight (limit ${this.settings.producer.maxPendingBytes})`, 1);
    }
    this.pendingBytes += bytes;
    const work = Promise.all([...byRegion].map(([id, ms]) => this.publishRegion(this.region(id), ms)));
    this.pendingPublishes.add(work);
    try {
      await work;
    } finally {
      this.pendingPublishes.delete(work);
      this.pendingBytes -= bytes;
    }
  }

  private async publishRegion(r: RegionClient, messages: RowBatchMessage[]): Promise<void> {
    const p = this.settings.producer;
    const byTopic = new Map<string, RowBatchMessage[]>();
    for (const m of messages) {
      const topic = r.settings.topics[m.table];
      if (!topic) throw new Error(`no kafka topic for table "${m.table}" in region ${r.settings.id}`);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), m]);
    }
    const t0 = Date.now();
    try {
      await this.send(
        r,
        [...byTopic].map(([topic, ms]) => ({ topic, messages: ms.map(toKafkaMessage) })),
      );
    } catch (e) {
      this.metrics.publishFailures.inc({ region: r.settings.id, reason: 'kafka' });
      throw new BusUnavailableError(`kafka of region ${r.settings.id} is unavailable: ${errorText(e)}`, p.retryAfterSeconds);
    }
    this.metrics.publishSeconds.observe({ region: r.settings.id }, (Date.now() - t0) / 1000);
    for (const [topic, ms] of byTopic) {
      this.metrics.published.inc({ region: r.settings.id, topic }, ms.length);
      this.metrics.publishedBytes.inc(
        { region: r.settings.id, topic },
        ms.reduce((n, m) => n + m.body.length, 0),
      );
    }
    r.published += messages.length;
  }

  /**
   * Sends messages with acks = all; resolves once every one is acknowledged, rejects after
   * `publishTimeoutMs` or when the send failed. The region's sends go out one batch at a time (the
   * queue, sendQueued): kafkajs 2.2.4 gives a failed produce request's sequence numbers back for
   * its retry (src/producer/sendMessages.js), although the broker may have written that request
   * (only its answer timed out); a concurrent send that reached the broker first with those
   * numbers, and as many messages, was taken for a retry of the written batch: acknowledged, never
   * written (e2e/kafka-produce-retry.e2e.ts). With one send at a time the retry comes first.
   */
  private send(r: RegionClient, topicMessages: TopicMessages[]): Promise<void> {
    const timeoutMs = this.settings.producer.publishTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const entry: QueuedSend = {
        topicMessages,
        bytes: topicMessages.reduce((n, t) => n + t.messages.reduce((x, m) => x + ((m.value as Buffer | null)?.length ?? 0), 0), 0),
        settle: (ok, e) => {
          clearTimeout(timer);
          if (ok) resolve();
          else reject(e);
        },
      };
      const timer = setTimeout(() => {
        // Not sent yet: it never will be. Being sent: the batch times out itself (sendQueued).
        const queued = r.queue.indexOf(entry);
        if (queued >= 0) r.queue.splice(queued, 1);
        reject(new Error(`not acknowledged within ${timeoutMs} ms`));
      }, timeoutMs);
      r.queue.push(entry);
      this.startSending(r);
    });
  }

  private startSending(r: RegionClient): void {
    if (r.sending || r.queue.length === 0) return;
    r.sending = this.sendQueued(r).finally(() => {
      r.sending = undefined;
      this.startSending(r); // anything queued after the loop last looked
    });
  }

  /** Sends what is queued, a batch of up to SEND_BATCH_BYTES (at least one send) at a time. */
  private async sendQueued(r: RegionClient): Promise<void> {
    const p = this.settings.producer;
    while (r.queue.length > 0) {
      let bytes = 0;
      let n = 0;
      while (n < r.queue.length && (n === 0 || bytes + r.queue[n].bytes <= SEND_BATCH_BYTES)) bytes += r.queue[n++].bytes;
      const batch = r.queue.splice(0, n);
      const byTopic = new Map<string, Message[]>();
      for (const e of batch)
        for (const t of e.topicMessages) {
          const list = byTopic.get(t.topic) ?? [];
          list.push(...t.messages);
          byTopic.set(t.topic, list);
        }
      let timer: NodeJS.Timeout | undefined;
      try {
        const sent = this.sendBatch(
          r,
          [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        );
        sent.catch(() => undefined); // a late failure after the timeout is already answered
        await Promise.race([
          sent,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`not acknowledged within ${p.publishTimeoutMs} ms`)), p.publishTimeoutMs);
          }),
        ]);
        for (const e of batch) e.settle(true);
      } catch (e) {
        // The producer may hold a stale connection or sequence state, and a send that timed out may
        // still be retried by kafkajs: what follows goes out on a new producer (new producer id).
        this.resetProducer(r);
        for (const x of batch) x.settle(false, e);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** One sendBatch, then again with what no broker acknowledged (see unacknowledged), up to `retries` times. */
  private async sendBatch(r: RegionClient, topicMessages: TopicMessages[]): Promise<void> {
    const p = this.settings.producer;
    const producer = await this.producer(r);
    let pending = topicMessages;
    for (let round = 0; pending.length > 0; round++) {
      if (round > p.retries) throw new Error(`partitions left unacknowledged after ${round} sends`);
      const acked = await producer.sendBatch({
        acks: -1,
        timeout: p.requestTimeoutMs,
        compression: compressionType(p.compression),
        topicMessages: pending,
      });
      pending = unacknowledged(pending, acked);
      if (pending.length > 0)
        this.metrics.publishResends.inc(
          { region: r.settings.id },
          pending.reduce((n, t) => n + t.messages.length, 0),
        );
    }
  }

  consume(regionId: string, options: ConsumeOptions, handler: BatchHandler): BusConsumer {
    const r = this.region(regionId);
    const consumer = new RegionConsumer({
      region: r.settings,
      kafka: r.kafka,
      admin: () => this.admin(regionId),
      settings: this.settings.consumer,
      options,
      handler,
      deadLetter: (m, reason, source) => this.deadLetter(m, reason, source),
      metrics: this.metrics,
      log: this.log,
    });
    consumer.start();
    this.consumers.add(consumer);
    return {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
    };
  }

  /** Writes the message (original bytes and headers) to the region's dead-letter topic with the reason. */
  async deadLetter(message: RowBatchMessage, reason: string, source?: string): Promise<void> {
    const r = this.region(message.region);
    if (!this.withinDeadLetterBudget(message)) return;
    const km = toKafkaMessage(message);
    km.key = message.id;
    km.headers = {
      ...km.headers,
      [HEADER.reason]: reason.slice(0, 4_000),
      [HEADER.deadLetteredAt]: new Date().toISOString(),
      ...(source ? { [HEADER.source]: source } : {}),
    };
    if (message.key) km.headers['meridian-key'] = message.key;
    await this.send(r, [{ topic: r.settings.topics.deadLetter, messages: [km] }]);
    this.metrics.deadLetters.inc({ region: r.settings.id });
  }

  /** Counts the message against its tenant's hourly dead-letter bytes; false (counted, logged) when over. */
  private withinDeadLetterBudget(message: RowBatchMessage): boolean {
    const limit = this.options.deadLetterTenantBytesPerHour;
    if (limit === undefined) return true;
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    if (this.deadLetterBudget.hour !== hour) this.deadLetterBudget = { hour, bytes: new Map() };
    const used = this.deadLetterBudget.bytes.get(message.tenantId) ?? 0;
    const bytes = message.body.length;
    if (used + bytes > limit) {
      this.deadLetterMetrics.dropped.inc({ region: message.region, reason: 'tenant rate' });
      // The tenant is named in the log (operators only), never in a metric label.
      this.log(
        'warn',
        `dead letter ${message.id} of tenant ${message.tenantId} dropped: over bus.deadLetters.kafkaTenantBytesPerHour (${limit} bytes this hour, this process)`,
      );
      return false;
    }
    this.deadLetterBudget.bytes.set(message.tenantId, used + bytes);
    return true;
  }

  /**
   * Reads the region's dead-letter topic from the beginning up to its current end, with a
   * throwaway consumer group (the dead-letter topic has no consumer of its own). Replay markers
   * (records with a `meridian-replayed-at` header and no value) mark the entries of their key.
   */
  async listDeadLetters(regionId: string, opts: DeadLetterListOptions & { timeoutMs?: number } = {}): Promise<DeadLetterEntry[]> {
    const r = this.region(regionId);
    const topic = r.settings.topics.deadLetter;
    const admin = await this.admin(regionId);
    const ends = await admin.fetchTopicOffsets(topic).catch(() => []);
    const remaining = new Map(ends.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    if (remaining.size === 0) return [];
    const records: Array<{ partition: number; m: KafkaMessage }> = [];
    const consumer = r.kafka.consumer({
      groupId: `meridian-dead-letter-reader-${randomBytes(6).toString('hex')}`,
      sessionTimeout: this.settings.consumer.sessionTimeoutMs,
      heartbeatInterval: this.settings.consumer.heartbeatIntervalMs,
      maxWaitTimeInMs: 200,
    });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= (remaining.get(batch.partition) ?? 0n)) continue;
            records.push({ partition: batch.partition, m });
          }
          const last = batch.messages[batch.messages.length - 1];
          if (last && BigInt(last.offset) + 1n >= (remaining.get(batch.partition) ?? 0n)) remaining.delete(batch.partition);
          if (remaining.size === 0) done();
        },
      });
      const timeoutMs = opts.timeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`reading ${topic} took over ${timeoutMs} ms`)), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    records.sort((a, b) => a.partition - b.partition || (BigInt(a.m.offset) < BigInt(b.m.offset) ? -1 : 1));
    // A marker covers the entries of its id parked before it (same key → same partition, in order);
    // an entry parked again after its replay shows as not replayed.
    const open = new Map<string, DeadLetterEntry[]>();
    const entries: DeadLetterEntry[] = [];
    for (const { partition, m } of records) {
      const at = header(m.headers, HEADER.replayedAt);
      if (at !== undefined) {
        const id = m.key?.toString('utf8') ?? '';
        for (const e of open.get(id) ?? []) e.replayedAt = at;
        open.delete(id);
        continue;
      }
      const entry: DeadLetterEntry = {
        id: header(m.headers, HEADER.id) ?? m.key?.toString('utf8') ?? `${topic}/${partition}/${m.offset}`,
        tenantId: header(m.headers, HEADER.tenant) ?? '',
        region: regionId,
        table: (header(m.headers, HEADER.table) ?? 'spans') as RowTable,
        rowCount: Number(header(m.headers, HEADER.rows)) || 0,
        key: header(m.headers, 'meridian-key'),
        format: header(m.headers, HEADER.format) === 'Native' ? 'Native' : undefined,
        reason: header(m.headers, HEADER.reason) ?? '',
        at: header(m.headers, HEADER.deadLetteredAt) ?? new Date(Number(m.timestamp)).toISOString(),
        body: m.value ?? Buffer.alloc(0),
        position: `${topic}/${partition}/${m.offset}`,
      };
      entries.push(entry);
      open.set(entry.id, [...(open.get(entry.id) ?? []), entry]);
    }
    entries.sort((a, b) => a.at.localeCompare(b.at));
    const mine = opts.tenantId === undefined ? entries : entries.filter((e) => e.tenantId === opts.tenantId);
    return opts.limit === undefined ? mine : mine.slice(-opts.limit);
  }

  async markReplayed(regionId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const r = this.region(regionId);
    const at = new Date().toISOString();
    await this.send(r, [{ topic: r.settings.topics.deadLetter, messages: ids.map((id) => ({ key: id, value: null, headers: { [HEADER.replayedAt]: at } })) }]);
  }

  /** True once nothing is being published and the local consumers hold and lag nothing. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const busy =
        this.pendingPublishes.size > 0 ||
        [...this.consumers].some((c) => {
          const s = c.stats();
          return s.queuedMessages > 0 || s.lag > 0;
        });
      if (!busy) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A cluster counts as reachable when it answers a metadata request in time (topics may not exist yet). */
  async unreachableRegions(timeoutMs: number): Promise<string[]> {
    const down = await Promise.all(
      [...this.regions.values()].map(async (r) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)));
        try {
          const admin = await Promise.race([this.admin(r.settings.id), timeout]);
          await Promise.race([admin.describeCluster(), timeout]);
          return undefined;
        } catch {
          return r.settings.id;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return down.filter((id): id is string => id !== undefined);
  }

  /**
   * Topics of reachable regions that do not exist while the brokers will not create them on first
   * use (`auto.create.topics.enable=false`): publishing to them would fail, so the process is not
   * ready. Entries read `<topic> (region <id>)`. Unreachable regions are left to unreachableRegions.
   */
  async missingTopics(timeoutMs: number): Promise<string[]> {
    const found = await Promise.all(
      [...this.regions.values()].map(async (r) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)));
        try {
          const check = (async () => {
            const admin = await this.admin(r.settings.id);
            const existing = new Set(await admin.listTopics());
            const missing = [...new Set(Object.values(r.settings.topics))].filter((t) => !existing.has(t));
            if (missing.length === 0) return [];
            const { brokers } = await admin.describeCluster();
            const config = await admin.describeConfigs({
              includeSynonyms: false,
              resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokers[0]?.nodeId ?? 1), configNames: ['auto.create.topics.enable'] }],
            });
            const autoCreate = config.resources[0]?.configEntries.find((e) => e.configName === 'auto.create.topics.enable')?.configValue;
            return autoCreate === 'false' ? missing.map((t) => `${t} (region ${r.settings.id})`) : [];
          })();
          return await Promise.race([check, timeout]);
        } catch {
          return []; // not answering: unreachableRegions reports it
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return found.flat();
  }

  stats(): RegionBusStats[] {
    return [...this.regions.values()].map((r) => {
      const mine = [...this.consumers].filter((c) => c.regionId === r.settings.id).map((c) => ({ s: c.stats(), delivered: c.committedMessages }));
      return {
        region: r.settings.id,
        queuedMessages: mine.reduce((n, c) => n + Math.max(c.s.lag, c.s.queuedMessages), 0),
        queuedBytes: mine.reduce((n, c) => n + c.s.queuedBytes, 0),
        deliveredMessages: mine.reduce((n, c) => n + c.delivered, 0),
      };
    });
  }

  /** Rebuilds after crashes so far (all regions), for tests and health output. */
  consumerRebuilds(): number {
    return [...this.consumers].reduce((n, c) => n + c.rebuilds, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pendingPublishes]);
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    // Bounded: a client still connecting to unreachable brokers would hold shutdown for its retries.
    const clients = [...this.regions.values()].flatMap((r) => {
      const [p, a] = [r.producer, r.admin];
      r.producer = r.admin = undefined;
      return [p?.then((x) => x.disconnect()), a?.then((x) => x.disconnect())];
    });
    await settleWithin(Promise.allSettled(clients), 5_000);
  }
}

/** The partition the partitioner last chose for each kafkajs message (see unacknowledged). */
const chosenPartition = new WeakMap<Message, number>();

/**
 * Row messages go to their tenant's partitions (tenant-partitions.ts); dead letters and replay
 * markers, by key over all partitions (kafkajs' default partitioner), since a marker must land
 * with the entries of its id. Remembers what it chose.
 */
function recordingPartitioner(deadLetterTopic: string, perTenant: number) {
  const byKey = Partitioners.DefaultPartitioner();
  return (args: PartitionerArgs): number => {
    const { message, topic, partitionMetadata } = args;
    const tenant = header(message.headers, HEADER.tenant);
    const chosen =
      tenant === undefined || topic === deadLetterTopic || perTenant <= 0
        ? byKey(args)
        : tenantPartition(tenant, String(message.key), partitionMetadata.length, perTenant); // ids are 0 … n-1, as kafkajs assumes too
    chosenPartition.set(message, chosen);
    return chosen;
  };
}

/**
 * The messages of a sendBatch whose partition no broker acknowledged. kafkajs 2.2.4 retries a
 * failed produce only towards brokers that have not answered yet: when a partition's leadership
 * moves to a broker that already answered, its messages are never sent, yet sendBatch resolves
 * (src/producer/sendMessages.js). Sending those again is safe: they were not written, or, with
 * the idempotent producer, the broker recognises their sequence numbers.
 */
function unacknowledged(sent: { topic: string; messages: Message[] }[], acked: RecordMetadata[]): { topic: string; messages: Message[] }[] {
  const ok = new Set(acked.filter((a) => !a.errorCode).map((a) => `${a.topicName}\0${a.partition}`));
  return sent
    .map(({ topic, messages }) => ({ topic, messages: messages.filter((m) => !ok.has(`${topic}\0${chosenPartition.get(m)}`)) }))
    .filter((t) => t.messages.length > 0);
}
