import { RegionStore } from '../clients';
import { openTestClickHouse, type TestClickHouse } from '../testing';
import { ReadCancelledError, ReadGate, ReadRefusedError, type ReadLimits } from './read-gate';
import { withReadSignal } from './read-signal';
import { ReadTimeoutError, select } from './sql';

/**
 * The read gate and time limit on the real embedded engine: reads made slow on purpose
 * (sleepEachRow, one row per block) stand for heavy ones.
 */
describe('tenant reads on a shared engine', () => {
  let ch: TestClickHouse;

  beforeAll(async () => {
    ch = await openTestClickHouse(['test'], { migrate: false });
  }, 60_000);
  afterAll(() => ch?.close());

  /** A store on the test engine with its own gate. */
  const storeWith = (o: Partial<ReadLimits>) => {
    const base = ch.stores.test;
    const limits: ReadLimits = { maxRunning: 2, maxRunningPerTenant: 1, maxQueuedPerTenant: 32, maxWaitMs: 30_000, maxExecutionSeconds: 30, ...o };
    return new RegionStore(base.regionId, base.database, base.client, undefined, new ReadGate(limits), false);
  };
  /** A read of `tenant` that takes `rows` × `seconds`. */
  const slow = (store: RegionStore, tenant: string, rows = 4, seconds = 0.1) =>
    select<{ t: string }>(store, `SELECT sleepEachRow(${seconds}) AS s, {tenant:String} AS t FROM numbers(${rows})`, { tenant }, 'max_block_size = 1');
  const quick = (store: RegionStore, tenant: string) => select<{ one: number }>(store, "SELECT 1 AS one WHERE {tenant:String} != ''", { tenant });

  it("answers tenant b's read after at most one of a's slow reads, while a's extra reads wait or are refused", async () => {
    const store = storeWith({ maxQueuedPerTenant: 4 });
    const done: string[] = [];
    const t0 = Date.now();
    const track = <T>(label: string, p: Promise<T>) => p.then(() => done.push(label));
    // a: 1 running + 4 waiting; the sixth is refused at once.
    const aReads = Array.from({ length: 5 }, (_, i) => track(`a${i}`, slow(store, 'a')));
    await expect(slow(store, 'a')).rejects.toMatchObject({ name: 'ReadRefusedError', reason: 'queue_full' });
    expect(store.readGate.load()).toEqual({ running: 1, waiting: 4 });
    await new Promise((r) => setTimeout(r, 50));
    let bMs = 0;
    const b = track(
      'b',
      quick(store, 'b').then(() => (bMs = Date.now() - t0)),
    );
    await Promise.all([...aReads, b]);
    const aMs = Date.now() - t0;
    // chdb runs one read at a time: b waits for a's running read, never for a's queue.
    expect(done.indexOf('b')).toBeLessThanOrEqual(1);
    expect(aMs).toBeGreaterThan(1_900);
    expect(bMs).toBeLessThan(aMs / 2);
  }, 30_000);

  it('stops a read at maxExecutionSeconds with a ReadTimeoutError naming the limit, frees its slot, and leaks none of its rows', async () => {
    const store = storeWith({ maxExecutionSeconds: 1 });
    const t0 = Date.now();
    const err = await slow(store, 'a', 12, 0.25).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadTimeoutError);
    expect((err as Error).message).toMatch(/longer than 1 s .*narrow the time window/);
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(store.readGate.load()).toEqual({ running: 0, waiting: 0 });
    // The rows a's read had written before it was stopped never reach the next read (b's).
    await expect(quick(store, 'b')).resolves.toEqual([{ one: 1 }]);
  }, 30_000);

  it('drops a waiting read whose request was closed: it never reaches the engine', async () => {
    const store = storeWith({ maxRunning: 1 });
    const t0 = Date.now();
    const first = slow(store, 'a', 5);
    const request = new AbortController();
    const dropped = withReadSignal(request.signal, () => slow(store, 'a', 5));
    const next = slow(store, 'a', 5);
    request.abort();
    await expect(dropped).rejects.toBeInstanceOf(ReadCancelledError);
    expect(store.readGate.load()).toEqual({ running: 1, waiting: 1 });
    await Promise.all([first, next]);
    // Two reads of 0.5 s ran, not three.
    expect(Date.now() - t0).toBeLessThan(1_400);
  }, 30_000);

  it('keeps the slot of a running embedded read whose request was closed until the engine is done (chdb cannot interrupt it)', async () => {
    const store = storeWith({ maxRunning: 1 });
    const request = new AbortController();
    const running = withReadSignal(request.signal, () => slow(store, 'a', 4));
    await new Promise((r) => setTimeout(r, 50));
    request.abort();
    expect(store.readGate.load()).toEqual({ running: 1, waiting: 0 });
    await expect(running).resolves.toHaveLength(4);
    expect(store.readGate.load()).toEqual({ running: 0, waiting: 0 });
  }, 30_000);

  it('refuses a read that does not filter by {tenant:String} or names no tenant', async () => {
    const store = storeWith({});
    await expect(select(store, 'SELECT 1 AS one', { tenant: 'a' })).rejects.toThrow(/scoped to its tenant/);
    await expect(select(store, "SELECT 1 AS one WHERE {tenant:String} != ''", {})).rejects.toThrow(/tenantId/);
    expect(store.readGate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('a read refused for waiting too long says so', async () => {
    const store = storeWith({ maxRunning: 1, maxWaitMs: 200 });
    const first = slow(store, 'a', 5);
    const err = await quick(store, 'b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadRefusedError);
    expect(err).toMatchObject({ reason: 'wait_timeout', tenantBusy: false, retryAfterSeconds: 1 });
    await first;
  }, 30_000);
});
