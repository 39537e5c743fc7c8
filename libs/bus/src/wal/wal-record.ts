import { crc32 } from 'node:zlib';
import type { RowBatchMessage, RowBodyFormat, RowTable } from '@meridian/domain';

/**
 * Write-ahead log records. A frame is `[u32 payload length][u32 crc32 of type + payload][u8 type]
 * [payload]`, little-endian. A torn write (crash mid-append) leaves a short or mismatching frame at
 * the tail: reading stops there and the file is truncated to the last whole record.
 */
export const FRAME_HEADER_BYTES = 9;

export const RecordType = {
  /** An accepted message: `[u64 seq][u32 header length][header JSON][body]`. */
  Message: 1,
  /** A batch about to be handed to the ingester: JSON `{ first, last, ids }`. */
  Plan: 2,
  /** Every message with `seq < next` is stored: `[u64 next]`. */
  Checkpoint: 3,
} as const;
type RecordTypes = typeof RecordType;

export interface WalMessage {
  seq: number;
  message: RowBatchMessage;
}

/** The composition of a batch, persisted before the handler sees it so a replay re-forms it. */
export interface BatchPlan {
  first: number;
  last: number;
  ids: string[];
}

export type WalRecord =
  | { type: RecordTypes['Message']; seq: number; message: RowBatchMessage }
  | { type: RecordTypes['Plan']; plan: BatchPlan }
  | { type: RecordTypes['Checkpoint']; next: number };

function frame(type: number, payload: Buffer[]): Buffer[] {
  const length = payload.reduce((n, b) => n + b.length, 0);
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUInt32LE(length, 0);
  let crc = crc32(Buffer.of(type));
  for (const p of payload) crc = crc32(p, crc);
  head.writeUInt32LE(crc >>> 0, 4);
  head.writeUInt8(type, 8);
  return [head, ...payload];
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

export function encodeMessage(seq: number, m: RowBatchMessage): Buffer[] {
  const header = Buffer.from(
    JSON.stringify({ id: m.id, tenantId: m.tenantId, region: m.region, table: m.table, rowCount: m.rowCount, key: m.key, format: m.format }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return frame(RecordType.Message, [u64(seq), len, header, m.body]);
}

export function encodePlan(plan: BatchPlan): Buffer[] {
  return frame(RecordType.Plan, [Buffer.from(JSON.stringify(plan), 'utf8')]);
}

export function encodeCheckpoint(next: number): Buffer[] {
  return frame(RecordType.Checkpoint, [u64(next)]);
}

export function frameBytes(parts: readonly Buffer[]): number {
  return parts.reduce((n, b) => n + b.length, 0);
}

/**
 * Reads the records of one segment's bytes. Stops at the first frame that is cut short or whose
 * CRC does not match; `validBytes` is where the good records end (truncate the file there).
 */
export function decodeRecords(data: Buffer): { records: WalRecord[]; validBytes: number } {
  const records: WalRecord[] = [];
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= data.length) {
    const length = data.readUInt32LE(at);
    const crc = data.readUInt32LE(at + 4);
    const type = data.readUInt8(at + 8);
    const end = at + FRAME_HEADER_BYTES + length;
    if (end > data.length) break;
    const payload = data.subarray(at + FRAME_HEADER_BYTES, end);
    if (crc32(payload, crc32(Buffer.of(type))) >>> 0 !== crc) break;
    const record = decodePayload(type, payload);
    if (!record) break;
    records.push(record);
    at = end;
  }
  return { records, validBytes: at };
}

function decodePayload(type: number, p: Buffer): WalRecord | undefined {
  try {
    if (type === RecordType.Message) {
      const seq = Number(p.readBigUInt64LE(0));
      const headerLength = p.readUInt32LE(8);
      const h = JSON.parse(p.subarray(12, 12 + headerLength).toString('utf8')) as {
        id: string;
        tenantId: string;
        region: string;
        table: RowTable;
        rowCount: number;
        key?: string;
        format?: RowBodyFormat;
      };
      // Copy: the segment's buffer is dropped after replay, the body lives on in the queue.
      const body = Buffer.from(p.subarray(12 + headerLength));
      return {
        type: RecordType.Message,
        seq,
        message: {
          id: h.id,
          tenantId: h.tenantId,
          region: h.region,
          table: h.table,
          rowCount: h.rowCount,
          key: h.key ?? undefined,
          format: h.format ?? undefined,
          body,
        },
      };
    }
    if (type === RecordType.Plan) return { type: RecordType.Plan, plan: JSON.parse(p.toString('utf8')) as BatchPlan };
    if (type === RecordType.Checkpoint) return { type: RecordType.Checkpoint, next: Number(p.readBigUInt64LE(0)) };
  } catch {
    return undefined; // CRC matched but the payload does not parse: treat as the end of the log
  }
  return undefined;
}
