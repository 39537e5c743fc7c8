/** The bench's result: a flat JSON of headline figures plus details, and a readable table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const TARGETS = {
  ingest_spans_per_sec: { op: '>=', value: 100_000 },
  ingest_ratio_to_raw: { op: '>=', value: 0.5 },
  hitmap_p95_ms: { op: '<=', value: 50 },
  bytes_per_span: { op: '<=', value: 35 }, // issue 13: spans table, all rows
  // Issue 13: the all-roles server at full ingest rate.
  server_rss_peak_mib: { op: '<=', value: 1536 },
} as const;

type TargetKey = keyof typeof TARGETS;

export interface BenchReport {
  timestamp: string;
  node_version: string;
  clickhouse_version: string;
  cores: number;
  cpu_model: string;
  ingest_spans_per_sec: number;
  ingest_ratio_to_raw: number;
  raw_spans_per_sec: number;
  /** Peak resident set size of the all-roles server during the ingest phase. */
  server_rss_peak_mib: number;
  /** Through intake → Kafka (mock broker) → ingester processes, stored. */
  kafka_spans_per_sec: number;
  /** Rate held while lag was sampled (half of kafka_spans_per_sec was the aim). */
  kafka_lag_rate_spans_per_sec: number;
  /** meridian_bus_consumer_lag of the spans topic, summed over partitions, sampled every second. */
  kafka_lag_p95_messages: number;
  kafka_lag_max_messages: number;
  /** Spans acknowledged by intake and not yet stored, same samples. */
  kafka_lag_p95_spans_unstored: number;
  /** All-roles server, same payloads, inline bus write-ahead log on (default, fsync always) and off: spans/s stored. */
  wal_on_spans_per_sec: number;
  wal_off_spans_per_sec: number;
  /** on ÷ off (1 = the WAL costs nothing). */
  wal_on_to_off_ratio: number;
  /** Noisy neighbour: the second tenant's send → readable while the first floods at 2× its limit. */
  noisy_victim_p50_ms: number;
  noisy_victim_p99_ms: number;
  /** Share of the flooder's requests answered 429. */
  noisy_flooder_429_share: number;
  hitmap_p50_ms: number;
  hitmap_p95_ms: number;
  hitmap_10m_p50_ms: number;
  hitmap_10m_p95_ms: number;
  /** Through GET /api/v1/tenants/{tenant}/hitmap of a server process (the others: TelemetryQueries in-process). */
  api_hitmap_1h_p50_ms: number;
  api_hitmap_1h_p95_ms: number;
  api_hitmap_10m_p50_ms: number;
  api_hitmap_10m_p95_ms: number;
  hitmap_service_p50_ms: number;
  hitmap_service_p95_ms: number;
  trace_by_id_p50_ms: number;
  trace_by_id_p95_ms: number;
  bytes_per_span: number;
  bytes_per_span_with_views: number;
  bytes_per_span_sdk_rows: number;
  spans_stored: number;
  runtime_s: number;
  /** Most CPU (cores) other processes used during any phase: above ~0.25 the machine was shared and the figures are pessimistic. */
  machine_other_load_cores_max: number;
  targets: Record<TargetKey, { target: string; met: boolean }>;
  params: Record<string, unknown>;
  details: Record<string, unknown>;
}

export function targetMet(key: TargetKey, value: number): boolean {
  const t = TARGETS[key];
  return t.op === '>=' ? value >= t.value : value <= t.value;
}

export function targetsOf(r: Pick<BenchReport, TargetKey>): BenchReport['targets'] {
  const out = {} as BenchReport['targets'];
  for (const key of Object.keys(TARGETS) as TargetKey[]) {
    const t = TARGETS[key];
    out[key] = { target: `${t.op === '>=' ? '≥' : '≤'} ${t.value}`, met: targetMet(key, r[key]) };
  }
  return out;
}

export interface TableRow {
  figure: string;
  value: string;
  target?: TargetKey;
  /** Value the target is checked against, when the shown value is text. */
  checked?: number;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function renderTable(rows: readonly TableRow[]): string {
  const cells = rows.map((r) => {
    const t = r.target ? TARGETS[r.target] : undefined;
    const target = t ? `${t.op === '>=' ? '≥' : '≤'} ${fmt(t.value, t.value < 1 ? 2 : 0)}` : '';
    const met = r.target && r.checked !== undefined ? (targetMet(r.target, r.checked) ? 'yes' : 'NO') : '';
    return [r.figure, r.value, target, met];
  });
  const header = ['figure', 'value', 'target', 'met?'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => (i === 1 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), sep, ...cells.map(line)].join('\n');
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}
