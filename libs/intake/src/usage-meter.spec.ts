import { type UsageDelta, UsageFlusher, UsageMeter, type UsageSink } from './usage-meter';

/** A sink that keeps the sums like the control plane's table does, and can be made to fail. */
class SummingSink implements UsageSink {
  readonly rows = new Map<string, UsageDelta>();
  calls = 0;
  failing = false;
  async add(deltas: readonly UsageDelta[]): Promise<void> {
    this.calls++;
    if (this.failing) throw new Error('control plane unavailable');
    for (const d of deltas) {
      const key = `${d.tenantId}/${d.day}/${d.signal}`;
      const row = this.rows.get(key);
      if (!row) this.rows.set(key, { ...d });
      else for (const f of ['acceptedItems', 'acceptedBytes', 'rejectedItems', 'throttledItems', 'throttledBytes'] as const) row[f] += d[f];
    }
  }
}

describe('UsageMeter', () => {
  it('sums per tenant, UTC day and signal', () => {
    let t = Date.parse('2026-12-06T23:59:59.500Z');
    const meter = new UsageMeter(() => t);
    meter.record('a', 'traces', { acceptedItems: 10, acceptedBytes: 1_000 });
    meter.record('a', 'traces', { acceptedItems: 5, acceptedBytes: 400, rejectedItems: 1 });
    meter.record('a', 'logs', { throttledItems: 7, throttledBytes: 70 });
    meter.record('b', 'traces', { acceptedItems: 1, acceptedBytes: 10 });
    t += 1_000; // past midnight UTC: a new day
    meter.record('a', 'traces', { acceptedItems: 2, acceptedBytes: 20 });
    expect(meter.take()).toEqual([
      { tenantId: 'a', day: '2026-12-06', signal: 'traces', acceptedItems: 15, acceptedBytes: 1_400, rejectedItems: 1, throttledItems: 0, throttledBytes: 0 },
      { tenantId: 'a', day: '2026-12-06', signal: 'logs', acceptedItems: 0, acceptedBytes: 0, rejectedItems: 0, throttledItems: 7, throttledBytes: 70 },
      { tenantId: 'b', day: '2026-12-06', signal: 'traces', acceptedItems: 1, acceptedBytes: 10, rejectedItems: 0, throttledItems: 0, throttledBytes: 0 },
      { tenantId: 'a', day: '2026-12-07', signal: 'traces', acceptedItems: 2, acceptedBytes: 20, rejectedItems: 0, throttledItems: 0, throttledBytes: 0 },
    ]);
    expect(meter.take()).toEqual([]);
  });
});

describe('UsageFlusher', () => {
  it('writes the sums, keeps them through a failed write and sends them with the next flush, nothing lost or counted twice', async () => {
    const meter = new UsageMeter(() => Date.parse('2026-12-06T12:00:00Z'));
    const sink = new SummingSink();
    const logged: string[] = [];
    const flusher = new UsageFlusher(meter, sink, { intervalMs: 60_000, log: (l) => logged.push(l) });
    meter.record('a', 'traces', { acceptedItems: 10, acceptedBytes: 100 });
    await flusher.flush();
    expect(sink.rows.get('a/2026-12-06/traces')).toMatchObject({ acceptedItems: 10, acceptedBytes: 100 });

    sink.failing = true;
    meter.record('a', 'traces', { acceptedItems: 3, acceptedBytes: 30 });
    await flusher.flush();
    expect(logged[0]).toMatch(/usage: writing 1 usage counts failed, kept for the next flush: control plane unavailable/);
    meter.record('a', 'traces', { throttledItems: 4, throttledBytes: 40 });
    sink.failing = false;
    await flusher.flush();
    expect(sink.rows.get('a/2026-12-06/traces')).toEqual({
      tenantId: 'a',
      day: '2026-12-06',
      signal: 'traces',
      acceptedItems: 13,
      acceptedBytes: 130,
      rejectedItems: 0,
      throttledItems: 4,
      throttledBytes: 40,
    });
    expect(meter.size).toBe(0);
    const calls = sink.calls;
    await flusher.flush(); // nothing pending: no write
    expect(sink.calls).toBe(calls);
  });

  it('flushes on its interval and once more on stop', async () => {
    jest.useFakeTimers();
    try {
      const meter = new UsageMeter();
      const sink = new SummingSink();
      const flusher = new UsageFlusher(meter, sink, { intervalMs: 5_000 });
      flusher.start();
      meter.record('a', 'metrics', { acceptedItems: 1, acceptedBytes: 8 });
      await jest.advanceTimersByTimeAsync(4_999);
      expect(sink.calls).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(sink.calls).toBe(1);
      meter.record('a', 'metrics', { acceptedItems: 2, acceptedBytes: 16 });
      await flusher.stop();
      expect([...sink.rows.values()][0]).toMatchObject({ acceptedItems: 3, acceptedBytes: 24 });
      await jest.advanceTimersByTimeAsync(20_000);
      expect(sink.calls).toBe(2); // stopped: no more timer
    } finally {
      jest.useRealTimers();
    }
  });
});
