import { DEFAULT_READ_LIMITS, ReadCancelledError, ReadGate, ReadRefusedError, type ReadLimits } from './read-gate';

/** A read whose end the test decides. */
function controllable() {
  let finish!: () => void;
  let fail!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    finish = res;
    fail = rej;
  });
  return { done, finish, fail };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ReadGate', () => {
  const limits = (o: Partial<ReadLimits> = {}): ReadLimits => ({ ...DEFAULT_READ_LIMITS, maxRunning: 2, maxRunningPerTenant: 1, maxQueuedPerTenant: 50, ...o });

  /** Starts a read of `tenant` that records when it runs and ends when the test says. */
  function reader(gate: ReadGate, started: string[]) {
    return (tenant: string, label: string, signal?: AbortSignal) => {
      const c = controllable();
      const result = gate.run(tenant, signal, () => {
        started.push(label);
        return c.done;
      });
      return { ...c, result };
    };
  }

  it('runs at most maxRunning reads, at most maxRunningPerTenant of one tenant', async () => {
    const gate = new ReadGate(limits({ maxRunning: 3, maxRunningPerTenant: 2 }));
    const started: string[] = [];
    const read = reader(gate, started);
    const reads = [read('a', 'a1'), read('a', 'a2'), read('a', 'a3'), read('b', 'b1'), read('b', 'b2')];
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1']);
    expect(gate.load()).toEqual({ running: 3, waiting: 2 });
    // b1 ends: b's slot goes to a waiting read, but a is at its cap, so b2 runs.
    reads[3].finish();
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'b2']);
    reads[0].finish();
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'b2', 'a3']);
    for (const r of reads) r.finish();
    await Promise.all(reads.map((r) => r.result));
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('serves waiting tenants round-robin: 50 queued reads of a delay b and c by one turn each', async () => {
    const gate = new ReadGate(limits({ maxRunning: 1, maxRunningPerTenant: 1 }));
    const started: string[] = [];
    // Each read ends a moment after it starts: the order of starts is the gate's order.
    const read = (tenant: string, label: string) =>
      gate.run(tenant, undefined, async () => {
        started.push(label);
        await tick();
      });
    const reads = [...Array.from({ length: 50 }, (_, i) => read('a', `a${i}`)), read('b', 'b0'), read('b', 'b1'), read('c', 'c0')];
    await Promise.all(reads);
    expect(started.slice(0, 7)).toEqual(['a0', 'a1', 'b0', 'c0', 'a2', 'b1', 'a3']);
    expect(started).toHaveLength(53);
  });

  it("refuses a tenant's read beyond maxQueuedPerTenant waiting, and only that tenant's", async () => {
    const gate = new ReadGate(limits({ maxRunning: 1, maxRunningPerTenant: 1, maxQueuedPerTenant: 2 }));
    const started: string[] = [];
    const read = reader(gate, started);
    const reads = [read('a', 'a0'), read('a', 'a1'), read('a', 'a2')];
    const refused = read('a', 'a3');
    await expect(refused.result).rejects.toMatchObject({ name: 'ReadRefusedError', reason: 'queue_full', tenantBusy: true, retryAfterSeconds: 1 });
    // Another tenant still queues.
    const b = read('b', 'b0');
    await tick();
    for (const r of [...reads, b]) r.finish();
    for (let i = 0; i < 5; i++) await tick();
    await Promise.all([...reads, b].map((r) => r.result));
    expect(started).toEqual(['a0', 'a1', 'b0', 'a2']);
  });

  it('refuses a read that waited maxWaitMs, saying whether its own tenant held the slots', async () => {
    const gate = new ReadGate(limits({ maxRunning: 2, maxRunningPerTenant: 1, maxWaitMs: 50 }));
    const started: string[] = [];
    const read = reader(gate, started);
    const a0 = read('a', 'a0');
    const b0 = read('b', 'b0');
    // a's second read waits behind a's own read; c's behind a and b (the engine is full).
    const a1 = read('a', 'a1');
    const c0 = read('c', 'c0');
    const e1 = await a1.result.catch((e: unknown) => e);
    const e2 = await c0.result.catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ReadRefusedError);
    expect(e1).toMatchObject({ reason: 'wait_timeout', tenantBusy: true });
    expect(e2).toMatchObject({ reason: 'wait_timeout', tenantBusy: false });
    expect(started).toEqual(['a0', 'b0']);
    a0.finish();
    b0.finish();
    await Promise.all([a0.result, b0.result]);
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('drops a waiting read whose signal aborts: it never runs and frees its place in the queue', async () => {
    const gate = new ReadGate(limits({ maxRunning: 1, maxQueuedPerTenant: 1 }));
    const started: string[] = [];
    const read = reader(gate, started);
    const a0 = read('a', 'a0');
    const ac = new AbortController();
    const a1 = read('a', 'a1', ac.signal);
    ac.abort();
    await expect(a1.result).rejects.toBeInstanceOf(ReadCancelledError);
    expect(gate.load()).toEqual({ running: 1, waiting: 0 });
    // Its queue place is free again; an already aborted signal never queues.
    const a2 = read('a', 'a2');
    await expect(read('a', 'a3', AbortSignal.abort()).result).rejects.toBeInstanceOf(ReadCancelledError);
    a0.finish();
    await tick();
    a2.finish();
    await Promise.all([a0.result, a2.result]);
    expect(started).toEqual(['a0', 'a2']);
  });

  it('releases the slot of a read that failed, and passes its error on', async () => {
    const gate = new ReadGate(limits({ maxRunning: 1 }));
    const started: string[] = [];
    const read = reader(gate, started);
    const a0 = read('a', 'a0');
    const b0 = read('b', 'b0');
    a0.fail(new Error('engine said no'));
    await expect(a0.result).rejects.toThrow('engine said no');
    await tick();
    expect(started).toEqual(['a0', 'b0']);
    b0.finish();
    await b0.result;
    expect(gate.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses limits that are not positive whole numbers, or a per-tenant cap above the total', () => {
    expect(() => new ReadGate(limits({ maxRunning: 0 }))).toThrow(/maxRunning must be a positive whole number/);
    expect(() => new ReadGate(limits({ maxWaitMs: 1.5 }))).toThrow(/maxWaitMs/);
    expect(() => new ReadGate(limits({ maxRunning: 1, maxRunningPerTenant: 2 }))).toThrow(/maxRunningPerTenant must be ≤ maxRunning/);
  });
});
