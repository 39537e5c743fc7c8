import { createFormatter } from '../../lib/format';
import { formatBytes, signalTable, todayBySignal } from './usage-view';

const row = (day: string, signal: 'traces' | 'metrics' | 'logs', n: number) => ({
  day,
  signal,
  acceptedItems: n,
  acceptedBytes: n * 100,
  rejectedItems: 1,
  throttledItems: 0,
  throttledBytes: 0,
});
const usage = {
  from: '2026-11-07',
  to: '2026-12-06',
  today: '2026-12-06',
  days: [row('2026-12-01', 'traces', 3), row('2026-12-06', 'traces', 5), row('2026-12-06', 'logs', 2)],
  totals: [
    { signal: 'traces' as const, acceptedItems: 8, acceptedBytes: 800, rejectedItems: 2, throttledItems: 0, throttledBytes: 0 },
    { signal: 'metrics' as const, acceptedItems: 0, acceptedBytes: 0, rejectedItems: 0, throttledItems: 0, throttledBytes: 0 },
    { signal: 'logs' as const, acceptedItems: 2, acceptedBytes: 200, rejectedItems: 1, throttledItems: 0, throttledBytes: 0 },
  ],
};

describe('usage view', () => {
  it("picks today's counters per signal, zeros where nothing came today", () => {
    const today = todayBySignal(usage);
    expect(today.traces.acceptedItems).toBe(5);
    expect(today.logs.acceptedBytes).toBe(200);
    expect(today.metrics).toEqual({ acceptedItems: 0, acceptedBytes: 0, rejectedItems: 0, throttledItems: 0, throttledBytes: 0 });
  });

  it("lists one signal's days newest first with the range total", () => {
    const traces = signalTable(usage, 'traces');
    expect(traces.rows.map((r) => r.day)).toEqual(['2026-12-06', '2026-12-01']);
    expect(traces.total.acceptedItems).toBe(8);
    expect(signalTable(usage, 'metrics').rows).toEqual([]);
  });

  it('formats bytes in binary units with the language’s digits', () => {
    const en = createFormatter('en', 'UTC');
    expect(formatBytes(en, 0)).toBe('0 B');
    expect(formatBytes(en, 512)).toBe('512 B');
    expect(formatBytes(en, 1536)).toBe('1.5 KiB');
    expect(formatBytes(en, 32 * 1024 * 1024)).toBe('32 MiB');
    expect(formatBytes(en, 1234.5 * 1024 ** 3)).toBe('1.21 TiB');
    expect(formatBytes(createFormatter('ja', 'UTC'), 1_500_000_000)).toBe('1.4 GiB');
  });
});
