import type { Output } from '../../lib/api';
import type { Formatter } from '../../lib/format';

type Usage = Output<'getIngestUsage'>;
export type UsageRow = Usage['days'][number];
export type UsageSignal = UsageRow['signal'];
export type UsageCounters = Omit<UsageRow, 'day' | 'signal'>;

export const SIGNALS: readonly UsageSignal[] = ['traces', 'metrics', 'logs'];

const ZERO: UsageCounters = { acceptedItems: 0, acceptedBytes: 0, rejectedItems: 0, throttledItems: 0, throttledBytes: 0 };

/** Today's counters per signal (zeros for a signal without traffic today). */
export function todayBySignal(usage: Usage): Record<UsageSignal, UsageCounters> {
  const out = { traces: { ...ZERO }, metrics: { ...ZERO }, logs: { ...ZERO } };
  for (const r of usage.days) if (r.day === usage.today) out[r.signal] = counters(r);
  return out;
}

/** The days of one signal, newest first, with its total over the range. */
export function signalTable(usage: Usage, signal: UsageSignal): { rows: UsageRow[]; total: UsageCounters } {
  const rows = usage.days.filter((r) => r.signal === signal).sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
  const total = usage.totals.find((t) => t.signal === signal);
  return { rows, total: total ? counters(total) : { ...ZERO } };
}

/** Binary units, as OTLP bodies are measured: `0 B`, `512 B`, `1.5 KiB`, `32 MiB`, `1.2 GiB`. */
export function formatBytes(fmt: Pick<Formatter, 'number'>, bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${fmt.number(value, unit === 0 ? 0 : value < 10 ? 2 : 1)} ${units[unit]}`;
}

function counters(r: UsageCounters): UsageCounters {
  return {
    acceptedItems: r.acceptedItems,
    acceptedBytes: r.acceptedBytes,
    rejectedItems: r.rejectedItems,
    throttledItems: r.throttledItems,
    throttledBytes: r.throttledBytes,
  };
}
