import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, OffsetsByTopicPartition } from 'kafkajs';
import type { BatchHandler, ConsumeOptions } from '@meridian/bus';
import type { RowBatchMessage, RowTable } from '@meridian/domain';
import type { KafkaBusMetrics } from './kafka-metrics';
import type { KafkaConsumerSettings, KafkaRegionSettings } from './kafka-settings';
import { bestEffortMessage, fromKafkaMessage, header, HEADER } from './message-codec';
import { RecentIds } from './recent-ids';

export interface RegionConsumerDeps {
  region: KafkaRegionSettings;
  kafka: Kafka;
  admin: () => Promise<Admin>;
  settings: KafkaConsumerSettings;
  options: ConsumeOptions;
  handler: BatchHandler;
  deadLetter: (message: RowBatchMessage, reason: string, source: string) => Promise<void>;
  metrics: KafkaBusMetrics;
  log: (level: 'info' | 'warn' | 'error', line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** A message held between fetch and commit. `poison` ones go to the dead letters, not the handler. */
interface Buffered {
  offset: bigint;
  message: RowBatchMessage;
  poison?: string;
}

/**
 * The batch being stored, written into the partition's committed-offset metadata BEFORE the
 * insert: whoever owns the partition next (this process after a crash, or another ingester after
 * a rebalance) re-forms exactly this batch from `start..end`, so its messages get the same
 * insert-deduplication token and a retried insert is a no-op in ClickHouse.
 */
interface Plan {
  v: 1;
  start: string;
  end: string;
}

interface PartitionState {
  topic: string;
  table: RowTable;
  partition: number;
  /** `RegionConsumer.epoch` when this state was made; any other value means it is stale. */
  epoch: number;
  abort: AbortController;
  /** Whether `committed` and `plan` were read from the group coordinator, and when (Date.now()). */
  loaded: boolean;
  loadedAt: number;
  /** Next offset to store: the group's committed offset (undefined when the group has none yet). */
  committed?: bigint;
  /** Next offset to look at (buffer or drop as a copy); lower ones were handled. */
  next?: bigint;
  /** The partition's first offset when loaded (retention may have deleted older ones). */
  logStart: bigint;
  /** Whether seed() ran for this state; `seeding` while the window before `committed` is read back. */
  seeded?: boolean;
  seeding?: { until: number };
  plan?: { start: bigint; end: bigint };
  /** The planned batch was stored; only its offset commit is outstanding (e.g. failed in a rebalance). */
  planStored?: boolean;
  /** The last offset commit failed: before it is tried again, the broker must still hold what this state says (checkBrokerOffset). */
  commitFailed?: boolean;
  buffer: Buffered[];
  bufferRows: number;
  bufferBytes: number;
  /** Date.now() when the oldest buffered message arrived. */
  oldestAt: number;
  highWatermark: bigint;
  flushing?: Promise<void>;
  flushStartedAt: number;
  paused: boolean;
  loading?: Promise<void>;
}

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long batches fetched before a seek back (RegionConsumer.seed) are skipped at most. */
const SEED_WAIT_MS = 10_000;
/** How long a re-formed batch waits for planned messages the broker does not show (RegionConsumer.nextBatch). */
const PLAN_WAIT_MS = 30_000;
/** What stop() waits at most for a rebuild in progress and for leaving the group. */
const STOP_WAIT_MS = 5_000;

/**
 * The ingester side of one region: a kafkajs consumer in the region's group over the region's
 * signal topics, batching per partition and committing only after the handler stored a batch.
 *
 * - Fetching and storing are decoupled: `eachBatch` only buffers (and resolves the fetch
 *   position), so kafkajs keeps heartbeating while ClickHouse is slow. A per-partition flush
 *   (rows/bytes full, oldest message older than `maxWaitMs`, or a plan to redo) stores one batch
 *   at a time: commit the plan (offset unchanged, metadata start..end), call the handler, commit
 *   end + 1.
 * - Backpressure: while a flush is running and the buffer already holds a full batch, or the
 *   flush has been running for long (ClickHouse down, the handler retrying), the partition is
 *   paused; it resumes when the flush succeeds. Unresolved messages are fetched again later.
 * - Ownership: every group join (rebalance) and every rebuild bumps `epoch`; in-flight flushes of
 *   older epochs are aborted (handler's `signal`) and never commit, and partition state is loaded
 *   again from the committed offset and its plan.
 * - A `crash` kafkajs will not restart from (e.g. "The group id was not found" after a broker
 *   restart) rebuilds the consumer.
 */
export class RegionConsumer {
  private consumer?: Consumer;
  /**
   * The consumer group's own commit (from the eachBatch payload): one OffsetCommit with the
   * generation kafkajs holds right now, never retried. `consumer.commitOffsets` retries, and a
   * retry that lands after a rebalance carries the NEW generation: the broker would accept a stale
   * commit and move the offset back under the partition's new owner.
   */
  private commitOnce?: (offsets: OffsetsByTopicPartition) => Promise<void>;
  private epoch = 0;
  private readonly states = new Map<string, PartitionState>();
  /**
   * Per partition, the ids of the last `dedupWindowMessages` offsets (RecentIds). Kept across
   * rebalances while this consumer keeps the partition, so it need not read them back.
   */
  private readonly recent = new Map<string, RecentIds>();
  private stopping = false;
  /** Set by stop(): store what is buffered once, without retrying outages. */
  private draining = false;
  private timer?: NodeJS.Timeout;
  private rebuilding?: Promise<void>;
  /** Consumers kafkajs crashed for good and this one replaced. */
  private readonly abandoned = new WeakSet<Consumer>();
  private readonly retiring = new WeakSet<Consumer>();
  private readonly tableOfTopic: Map<string, RowTable>;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Messages stored and committed since start (for stats). */
  committedMessages = 0;
  rebuilds = 0;

  constructor(private readonly d: RegionConsumerDeps) {
    this.sleep = d.sleep ?? sleepMs;
    const { deadLetter: _dl, ...signalTopics } = d.region.topics;
    this.tableOfTopic = new Map(Object.entries(signalTopics).map(([table, topic]) => [topic, table as RowTable]));
  }

  get regionId(): string {
    return this.d.region.id;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.max(20, Math.min(200, Math.floor(this.d.options.maxWaitMs / 4))));
    this.rebuilding = this.build();
  }

  private async build(): Promise<void> {
    while (!this.stopping) {
      const consumer = this.d.kafka.consumer({
        groupId: this.d.region.consumerGroup,
        sessionTimeout: this.d.settings.sessionTimeoutMs,
        heartbeatInterval: this.d.settings.heartbeatIntervalMs,
        rebalanceTimeout: this.d.settings.rebalanceTimeoutMs,
        maxBytesPerPartition: this.d.settings.maxBytesPerPartition,
        maxWaitTimeInMs: Math.max(10, this.d.options.maxWaitMs),
        minBytes: 1,
        retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
      });
      consumer.on(consumer.events.GROUP_JOIN, (e) => consumer === this.consumer && this.onJoin(e.payload.memberAssignment));
      // Not on GROUP_JOIN: kafkajs marks the consumer running only after it, so a disconnect there
      // would leave it fetching. Its first fetch is the first moment a disconnect stops it.
      consumer.on(consumer.events.FETCH_START, () => this.abandoned.has(consumer) && this.retire(consumer));
      consumer.on(consumer.events.CRASH, (e) => this.onCrash(consumer, e.payload.error, e.payload.restart));
      try {
        await consumer.connect();
        if (this.stopping) throw new Error('stopped while connecting');
        await consumer.subscribe({ topics: [...this.tableOfTopic.keys()], fromBeginning: true });
        this.consumer = consumer;
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.d.settings.partitionsConsumedConcurrently,
          eachBatch: (p) => this.onBatch(consumer, p),
        });
        if (this.stopping) await consumer.disconnect().catch(() => undefined); // stop() gave up waiting for this build
        return;
      } catch (e) {
        this.consumer = undefined;
        await consumer.disconnect().catch(() => undefined);
        if (this.stopping) return;
        this.d.log('warn', `kafka consumer for region ${this.regionId} could not start (${errorText(e)}); retrying in ${this.d.settings.restartDelayMs} ms`);
        await this.sleep(this.d.settings.restartDelayMs);
      }
    }
  }

  /** kafkajs gives up on some errors for good (restart=false): build a new consumer. */
  private onCrash(consumer: Consumer, error: Error, restart: boolean): void {
    if (this.abandoned.has(consumer)) return;
    this.invalidate('consumer crashed');
    if (restart || this.stopping || this.consumer !== consumer) {
      if (restart) this.d.log('warn', `kafka consumer for region ${this.regionId} crashed (${errorText(error)}); kafkajs restarts it`);
      return;
    }
    this.d.log('warn', `kafka consumer for region ${this.regionId} crashed for good (${errorText(error)}); rebuilding it`);
    this.consumer = undefined;
    this.abandoned.add(consumer);
    this.rebuilds++;
    this.d.metrics.rebuilds.inc({ region: this.regionId });
    const previous = this.rebuilding ?? Promise.resolve();
    this.rebuilding = previous.then(async () => {
      await consumer.disconnect().catch(() => undefined);
      await this.sleep(this.d.settings.restartDelayMs);
      await this.build();
    });
  }

  /**
   * A consumer given up on must not come back: kafkajs can still restart it (a crash it meant to
   * restart from overlapped the one it gave up on), and as a group member that nobody reads for
   * it would hold its partitions while the rebuilt consumer waits for them.
   */
  private retire(consumer: Consumer): void {
    if (this.retiring.has(consumer)) return;
    this.retiring.add(consumer);
    this.d.log('warn', `kafka consumer for region ${this.regionId} given up on was started again; disconnecting it`);
    void consumer
      .disconnect()
      .catch(() => undefined)
      .finally(() => this.retiring.delete(consumer));
  }

  /** A (re)join: whatever this consumer held is no longer known to be its own. */
  private onJoin(assignment: Record<string, number[]>): void {
    this.invalidate('group rebalanced');
    const mine = new Set(Object.entries(assignment).flatMap(([t, ps]) => ps.map((p) => this.key(t, p))));
    for (const k of this.recent.keys()) if (!mine.has(k)) this.recent.delete(k);
    const parts = Object.entries(assignment).map(([t, ps]) => `${t}[${ps.join(',')}]`);
    this.d.log('info', `kafka consumer for region ${this.regionId} joined its group; assigned ${parts.join(' ') || 'nothing'}`);
  }

  private invalidate(_why: string): void {
    this.epoch++;
    const consumer = this.consumer;
    for (const st of this.states.values()) {
      st.abort.abort();
      this.d.metrics.lag.remove({ region: this.regionId, topic: st.topic, partition: String(st.partition) });
      // After a crash kafkajs throws here ("consumer#run must be called first"); the partitions
      // of a consumer that is rebuilt start unpaused anyway.
      if (st.paused && consumer) {
        try {
          consumer.resume([{ topic: st.topic, partitions: [st.partition] }]);
        } catch {
          /* nothing left to resume */
        }
      }
    }
    this.states.clear();
    this.d.metrics.paused.set({ region: this.regionId }, 0);
  }

  private key(topic: string, partition: number): string {
    return `${topic}/${partition}`;
  }

  private state(topic: string, partition: number): PartitionState {
    const k = this.key(topic, partition);
    let st = this.states.get(k);
    if (!st) {
      st = {
        topic,
        table: this.tableOfTopic.get(topic) ?? 'spans',
        partition,
        epoch: this.epoch,
        abort: new AbortController(),
        loaded: false,
        loadedAt: 0,
        logStart: 0n,
        buffer: [],
        bufferRows: 0,
        bufferBytes: 0,
        oldestAt: 0,
        highWatermark: -1n,
        flushStartedAt: 0,
        paused: false,
      };
      this.states.set(k, st);
    }
    return st;
  }

  private stale(st: PartitionState): boolean {
    return st.epoch !== this.epoch || this.states.get(this.key(st.topic, st.partition)) !== st;
  }

  /** Committed offset and pending plan of the partition, as the group coordinator has them. */
  private async load(st: PartitionState): Promise<void> {
    const { committed, metadata, logStart } = await this.brokerOffsets(st);
    if (this.stale(st)) return;
    st.loaded = true;
    st.loadedAt = Date.now();
    st.logStart = logStart;
    if (committed >= 0n) {
      st.committed = committed;
      st.next = committed;
      const plan = parsePlan(metadata);
      if (plan && plan.start === committed && plan.end >= committed) {
        st.plan = plan;
        this.d.log(
          'warn',
          `kafka: ${st.topic}/${st.partition}: re-forming batch ${plan.start}..${plan.end}, planned but not committed before a crash or rebalance`,
        );
      }
    }
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (consumer !== this.consumer || this.stopping || batch.messages.length === 0) return;
    this.commitOnce = payload.commitOffsetsIfNecessary as (offsets: OffsetsByTopicPartition) => Promise<void>;
    const st = this.state(batch.topic, batch.partition);
    if (!st.loaded) {
      st.loading ??= this.load(st).finally(() => (st.loading = undefined));
      try {
        await st.loading;
      } catch (e) {
        this.d.log('warn', `kafka: cannot read committed offset of ${st.topic}/${st.partition} (${errorText(e)}); fetching again`);
        return; // nothing resolved: the same messages are fetched again
      }
    }
    if (this.stale(st)) return;
    st.highWatermark = BigInt(batch.highWatermark);
    if (this.seed(consumer, st, BigInt(batch.messages[0].offset))) return; // not resolved: read again from the seek
    if (st.flushing && this.full(st)) {
      this.pause(st);
      return; // not resolved: fetched again after resume
    }
    const recent = this.recentIds(st, BigInt(batch.messages[0].offset));
    let taken = 0;
    const copies: bigint[] = [];
    for (const km of batch.messages) {
      const offset = BigInt(km.offset);
      const id = header(km.headers, HEADER.id);
      if (st.next !== undefined && offset < st.next) {
        if (recent && id !== undefined && offset >= recent.next) recent.record(offset, id); // the window read back
        continue; // already buffered or committed
      }
      st.next = offset + 1n;
      if (recent && id !== undefined && offset >= recent.next && recent.record(offset, id)) {
        copies.push(offset);
        continue;
      }
      this.push(st, offset, km);
      taken++;
    }
    if (taken > 0) this.d.metrics.consumed.inc({ region: this.regionId, topic: st.topic }, taken);
    if (copies.length > 0) {
      this.d.metrics.copiesDropped.inc({ region: this.regionId, topic: st.topic }, copies.length);
      this.d.log(
        'warn',
        `kafka: ${st.topic}/${st.partition}: dropped ${copies.length} cop${copies.length === 1 ? 'y' : 'ies'} of messages already in the partition (offsets ${copies.slice(0, 10).join(', ')}${copies.length > 10 ? ', …' : ''})`,
      );
    }
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    this.updateLag(st);
    this.maybeFlush(st);
  }

  /**
   * On the first batch of a partition this consumer (re)gained: unless the ids of the window
   * before the committed offset are known, seek back to read them first (true: this batch is not
   * handled). Batches fetched before the seek took effect are skipped until one from before the
   * committed offset arrives, or for SEED_WAIT_MS at most (then copies near the committed
   * offset may be missed, and the log says so).
   */
  private seed(consumer: Consumer, st: PartitionState, first: bigint): boolean {
    const window = this.d.settings.dedupWindowMessages;
    const k = this.key(st.topic, st.partition);
    if (window <= 0 || (st.seeded && !st.seeding)) return false;
    st.seeded = true;
    if (st.committed === undefined) {
      this.recent.delete(k); // no committed offset: read from the start, recentIds() begins there
      return false;
    }
    const committed = st.committed;
    if (st.seeding) {
      if (first < committed) {
        st.seeding = undefined;
        return false;
      }
      if (Date.now() < st.seeding.until) return true;
      this.d.log('warn', `kafka: ${k}: the ids before offset ${committed} could not be read back; copies of messages before it are not recognised`);
      st.seeding = undefined;
      this.recent.set(k, new RecentIds(window, committed, committed <= st.logStart));
      return false;
    }
    let recent = this.recent.get(k);
    if (recent && recent.next >= committed && committed >= recent.firstKnown) recent.truncate(committed);
    else recent = undefined;
    if (recent?.knowsWindowBefore(committed)) return false;
    const from = committed - BigInt(window) > st.logStart ? committed - BigInt(window) : st.logStart;
    this.recent.set(k, new RecentIds(window, from, from === st.logStart));
    if (from >= committed) return false;
    st.seeding = { until: Date.now() + SEED_WAIT_MS };
    consumer.seek({ topic: st.topic, partition: st.partition, offset: String(from) });
    return first >= committed;
  }

  /** The partition's recent ids (made on first use when the group had no committed offset). */
  private recentIds(st: PartitionState, first: bigint): RecentIds | undefined {
    const window = this.d.settings.dedupWindowMessages;
    if (window <= 0) return undefined;
    const k = this.key(st.topic, st.partition);
    let recent = this.recent.get(k);
    if (!recent) {
      // No committed offset: the group reads the partition from its start.
      recent = new RecentIds(window, first, true);
      this.recent.set(k, recent);
    }
    return recent;
  }

  private push(st: PartitionState, offset: bigint, km: KafkaMessage): void {
    let item: Buffered;
    try {
      item = { offset, message: fromKafkaMessage(this.regionId, km) };
    } catch (e) {
      item = { offset, message: bestEffortMessage(this.regionId, st.table, km, `${st.topic}/${st.partition}/${offset}`), poison: errorText(e) };
    }
    if (st.buffer.length === 0) st.oldestAt = Date.now();
    st.buffer.push(item);
    st.bufferRows += item.message.rowCount;
    st.bufferBytes += item.message.body.length;
  }

  private full(st: PartitionState): boolean {
    return st.bufferRows >= this.d.options.maxRows || st.bufferBytes >= this.d.options.maxBytes;
  }

  private pause(st: PartitionState): void {
    if (st.paused || !this.consumer) return;
    st.paused = true;
    this.consumer.pause([{ topic: st.topic, partitions: [st.partition] }]);
    this.d.metrics.paused.inc({ region: this.regionId });
  }

  private resume(st: PartitionState): void {
    if (!st.paused) return;
    st.paused = false;
    this.d.metrics.paused.dec({ region: this.regionId });
    if (!this.stale(st)) this.consumer?.resume([{ topic: st.topic, partitions: [st.partition] }]);
  }

  private updateLag(st: PartitionState): void {
    if (st.committed === undefined || st.highWatermark < 0n) return;
    const lag = st.highWatermark - st.committed;
    this.d.metrics.lag.set({ region: this.regionId, topic: st.topic, partition: String(st.partition) }, Number(lag > 0n ? lag : 0n));
  }

  private tick(): void {
    const now = Date.now();
    for (const st of this.states.values()) {
      if (st.flushing) {
        // Storing has been stuck for a while (ClickHouse down, the handler retrying): stop fetching.
        if (now - st.flushStartedAt > Math.max(2 * this.d.options.maxWaitMs, 1_000)) this.pause(st);
        continue;
      }
      this.maybeFlush(st);
    }
  }

  /** Which buffered messages form the next batch, or undefined if it is not due yet. */
  private nextBatch(st: PartitionState, force: boolean): Buffered[] | undefined {
    if (st.buffer.length === 0) return undefined;
    if (st.plan) {
      const { end } = st.plan;
      const last = st.buffer[st.buffer.length - 1].offset;
      // Wait for the planned messages, even when stopping: a partial planned batch would get
      // another token and store its rows twice. A high watermark at or below `end` does not prove
      // them gone: a partition's new leader may report a lower one until its followers caught up
      // (after a broker kill). Only when they have not come PLAN_WAIT_MS after the partition was
      // loaded (the broker lost them) is what there is stored.
      if (last < end && (st.highWatermark > end || Date.now() - st.loadedAt < PLAN_WAIT_MS)) return undefined;
      return st.buffer.filter((b) => b.offset <= end);
    }
    const due = force || this.full(st) || Date.now() - st.oldestAt >= this.d.options.maxWaitMs;
    if (!due) return undefined;
    const out: Buffered[] = [];
    let rows = 0;
    let bytes = 0;
    for (const b of st.buffer) {
      if (out.length > 0 && (rows + b.message.rowCount > this.d.options.maxRows || bytes + b.message.body.length > this.d.options.maxBytes)) break;
      out.push(b);
      rows += b.message.rowCount;
      bytes += b.message.body.length;
    }
    return out;
  }

  private maybeFlush(st: PartitionState, force = false): Promise<void> | undefined {
    if (st.flushing || this.stale(st) || !st.loaded) return st.flushing;
    const batch = this.nextBatch(st, force);
    if (!batch || batch.length === 0) return undefined;
    st.flushStartedAt = Date.now();
    st.flushing = this.flush(st, batch)
      .catch(async (e) => {
        if (this.stale(st) || this.draining) return;
        this.d.log('warn', `kafka: storing ${st.topic}/${st.partition} failed (${errorText(e)}); trying the same batch again`);
        await this.sleep(this.d.settings.redeliveryDelayMs);
      })
      .finally(() => {
        st.flushing = undefined;
        if (this.stale(st)) return;
        if (!this.full(st)) this.resume(st);
        this.maybeFlush(st);
      });
    return st.flushing;
  }

  private async flush(st: PartitionState, batch: Buffered[]): Promise<void> {
    const start = st.committed ?? batch[0].offset;
    const end = batch[batch.length - 1].offset;
    const where = `${st.topic}/${st.partition}`;
    if (!st.plan) {
      const plan: Plan = { v: 1, start: String(start), end: String(end) };
      await this.commit(st, start, JSON.stringify(plan));
      st.plan = { start, end };
      st.planStored = false;
    } else if (st.plan.end !== end) {
      this.d.log('warn', `kafka: ${where}: planned batch ${st.plan.start}..${st.plan.end} is incomplete on the broker; storing ${start}..${end}`);
    }
    let delay = this.d.settings.redeliveryDelayMs;
    for (let attempt = 0; !st.planStored; attempt++) {
      if (this.stale(st)) return;
      try {
        for (const b of batch) if (b.poison) await this.d.deadLetter(b.message, b.poison, `${where}/${b.offset}`);
        const messages = batch.filter((b) => !b.poison).map((b) => b.message);
        if (messages.length > 0) await this.d.handler(messages, { signal: st.abort.signal });
        st.planStored = true;
      } catch (e) {
        if (this.stale(st) || this.stopping || this.draining) throw e;
        this.pause(st);
        if (attempt === 0 || attempt % 10 === 0)
          this.d.log('warn', `kafka: storing ${where} ${start}..${end} failed (${errorText(e)}); retrying in ${delay} ms`);
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.d.settings.redeliveryDelayMs * 16);
      }
    }
    await this.commit(st, end + 1n, '');
    st.committed = end + 1n;
    this.recent.get(this.key(st.topic, st.partition))?.prune(st.committed - BigInt(this.d.settings.dedupWindowMessages));
    st.plan = undefined;
    st.planStored = false;
    st.buffer.splice(0, batch.length);
    st.bufferRows = st.buffer.reduce((n, b) => n + b.message.rowCount, 0);
    st.bufferBytes = st.buffer.reduce((n, b) => n + b.message.body.length, 0);
    if (st.buffer.length > 0) st.oldestAt = Date.now();
    this.committedMessages += batch.length;
    this.d.metrics.committed.inc({ region: this.regionId, topic: st.topic }, batch.length);
    this.d.metrics.batchMessages.observe({ region: this.regionId, topic: st.topic }, batch.length);
    this.updateLag(st);
  }

  /** The group's committed offset (-1: none) and its metadata for the partition, and the partition's first offset. */
  private async brokerOffsets(st: PartitionState): Promise<{ committed: bigint; metadata?: string | null; logStart: bigint }> {
    const admin = await this.d.admin();
    const [[res], ends] = await Promise.all([
      admin.fetchOffsets({ groupId: this.d.region.consumerGroup, topics: [st.topic] }),
      admin.fetchTopicOffsets(st.topic),
    ]);
    const p = res?.partitions.find((x) => x.partition === st.partition);
    return { committed: p ? BigInt(p.offset) : -1n, metadata: p?.metadata, logStart: BigInt(ends.find((x) => x.partition === st.partition)?.low ?? '0') };
  }

  /** Commits for the current owner only: a stale state (older epoch) never moves offsets. */
  private async commit(st: PartitionState, offset: bigint, metadata: string): Promise<void> {
    const commit = this.commitOnce;
    if (this.stale(st) || !commit) throw new Error('partition no longer owned');
    if (st.commitFailed) await this.checkBrokerOffset(st);
    try {
      await commit({ topics: [{ topic: st.topic, partitions: [{ partition: st.partition, offset: String(offset), metadata } as never] }] });
    } catch (e) {
      st.commitFailed = true;
      throw e;
    }
    st.commitFailed = false;
    if (this.stale(st)) throw new Error('partition no longer owned');
  }

  /**
   * Before a commit is tried again: the broker must still hold the offset this consumer last
   * committed. A broker that lost the group's offsets (restarted empty) has a new log whose
   * offsets start again at 0, so an old offset committed there would mark its first messages
   * consumed unread. Otherwise the partition is read again from what the broker holds.
   */
  private async checkBrokerOffset(st: PartitionState): Promise<void> {
    // What this consumer last committed: the planned batch's start while a plan is out, else the next offset to store.
    const expected = st.plan?.start ?? st.committed ?? -1n;
    const { committed: held, logStart } = await this.brokerOffsets(st);
    if (held === expected || this.stale(st)) return;
    const from = held >= 0n ? held : logStart;
    this.d.log(
      'warn',
      `kafka: ${st.topic}/${st.partition}: the broker holds committed offset ${held}, not ${expected} as this consumer last committed (it lost the group's offsets, or another consumer committed); reading the partition again from ${from}`,
    );
    st.abort.abort();
    this.states.delete(this.key(st.topic, st.partition));
    this.recent.delete(this.key(st.topic, st.partition));
    this.consumer?.seek({ topic: st.topic, partition: st.partition, offset: String(from) });
    throw new Error('partition read again');
  }

  /** Messages buffered but not yet committed, and the lag of owned partitions. */
  stats(): { queuedMessages: number; queuedBytes: number; lag: number } {
    let queuedMessages = 0;
    let queuedBytes = 0;
    let lag = 0;
    for (const st of this.states.values()) {
      queuedMessages += st.buffer.length;
      queuedBytes += st.bufferBytes;
      if (st.committed !== undefined && st.highWatermark > st.committed) lag += Number(st.highWatermark - st.committed);
    }
    return { queuedMessages, queuedBytes, lag };
  }

  /**
   * Stops fetching, stores what is buffered (within `timeoutMs`), commits it, then leaves the
   * group so the partitions move to the other ingesters at once.
   */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.draining = true;
    const consumer = this.consumer;
    if (consumer) {
      const topics = [...this.tableOfTopic.keys()].map((topic) => ({ topic }));
      try {
        consumer.pause(topics);
      } catch {
        // not running yet
      }
      const deadline = Date.now() + timeoutMs;
      const buffered = () => [...this.states.values()].reduce((n, st) => n + st.buffer.length, 0);
      const all = async () => {
        for (let before = Infinity; buffered() > 0 && buffered() < before && Date.now() < deadline;) {
          before = buffered();
          await Promise.all([...this.states.values()].map((st) => st.flushing ?? this.maybeFlush(st, true)));
        }
      };
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.invalidate('stopping');
    // With the brokers unreachable a rebuild's connect and the group leave retry for long: shutdown
    // does not wait for them (a consumer connected after this is disconnected by build()).
    await settleWithin(this.rebuilding, STOP_WAIT_MS);
    const current = this.consumer;
    this.consumer = undefined;
    await settleWithin(current?.disconnect(), STOP_WAIT_MS);
  }
}

function parsePlan(metadata: string | null | undefined): { start: bigint; end: bigint } | undefined {
  if (!metadata) return undefined;
  try {
    const p = JSON.parse(metadata) as Partial<Plan>;
    if (p.v !== 1 || typeof p.start !== 'string' || typeof p.end !== 'string') return undefined;
    return { start: BigInt(p.start), end: BigInt(p.end) };
  } catch {
    return undefined;
  }
}

/** Resolves once `p` settled (either way) or `ms` passed. */
export async function settleWithin(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p?.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

export function errorText(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0].slice(0, 300);
}
