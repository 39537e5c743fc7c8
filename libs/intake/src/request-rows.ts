import { encodeNativeRows, type RowsByTable, type RowTable } from '@meridian/domain';
import { decodeLogs, decodeMetrics, decodeTraces, type DecodeOptions, type OtlpEncoding, type OtlpSignal, type Truncations } from '@meridian/otlp';
import { buildLogRows, buildMetricRows, buildSpanRows, type RowContext } from '@meridian/signal-rows';

/** One OTLP request body to turn into bus message bodies (plain data: it crosses to a worker thread). */
export interface EncodeJob {
  signal: OtlpSignal;
  encoding: OtlpEncoding;
  body: Uint8Array;
  ctx: RowContext;
  opts: DecodeOptions;
}

/** The request's rows as Native bodies, one per partition key, and what was rejected or cut. */
export interface EncodedRequest {
  table: RowTable;
  messages: { key: string | undefined; rowCount: number; body: Buffer }[];
  rows: number;
  rejected: number;
  reasons: string[];
  truncated: Truncations;
}

type Decoded = { rows: RowsByTable[RowTable]; rejected: number; reasons: string[]; truncated: Truncations };

/** Signal → its table and how to turn a decoded request into rows. */
const PIPELINES: Record<OtlpSignal, { table: RowTable; toRows(body: Uint8Array, enc: OtlpEncoding, ctx: RowContext, opts: DecodeOptions): Decoded }> = {
  traces: {
    table: 'spans',
    toRows(body, enc, ctx, opts) {
      const d = decodeTraces(body, enc, opts);
      return { rows: buildSpanRows(d, ctx), rejected: d.rejected, reasons: d.rejectReasons, truncated: d.truncated };
    },
  },
  metrics: {
    table: 'metric_points',
    toRows(body, enc, ctx, opts) {
      const d = decodeMetrics(body, enc, opts);
      return { rows: buildMetricRows(d, ctx), rejected: d.rejected, reasons: d.rejectReasons, truncated: d.truncated };
    },
  },
  logs: {
    table: 'logs',
    toRows(body, enc, ctx, opts) {
      const d = decodeLogs(body, enc, opts);
      return { rows: buildLogRows(d, ctx), rejected: d.rejected, reasons: d.rejectReasons, truncated: d.truncated };
    },
  },
};

/** Decode, validate per item, build rows, encode: all the CPU work of a request. Throws OtlpDecodeError. */
export function encodeRequest(job: EncodeJob): EncodedRequest {
  const pipeline = PIPELINES[job.signal];
  const { rows, rejected, reasons, truncated } = pipeline.toRows(job.body, job.encoding, job.ctx, job.opts);
  const messages = [...groupByKey(pipeline.table, rows)].map(([key, group]) => ({ key, rowCount: group.length, body: encodeNativeRows(pipeline.table, group as never) }));
  return { table: pipeline.table, messages, rows: rows.length, rejected, reasons, truncated };
}

type AnyRow = RowsByTable[RowTable][number];

/**
 * Spans are keyed by the first hex digit of their trace id (16 keys): every span of a trace
 * lands in the same Kafka partition, enough keys to spread a region's spans over its
 * partitions, and few enough that the per-message cost (a Native block header names every
 * column, ~1 KiB) stays small. Other signals carry no key and spread over partitions.
 */
function groupByKey(table: RowTable, rows: readonly AnyRow[]): Map<string | undefined, AnyRow[]> {
  const groups = new Map<string | undefined, AnyRow[]>();
  for (const row of rows) {
    const key = table === 'spans' ? (row as { trace_id: string }).trace_id.slice(0, 1) : undefined;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
