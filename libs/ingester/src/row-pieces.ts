import { createHash } from 'node:crypto';
import { decodeNativeRows, encodeRows, type RowBatchMessage } from '@meridian/domain';

/**
 * Rows `[start, end)` of one bus message. A message body holds one row per line (JSON array per
 * line, each ending in '\n'), so a row range is a byte range of the body: splitting needs no
 * JSON parsing.
 */
export interface RowPiece {
  readonly message: RowBatchMessage;
  /** Byte offset where each row (line) of the message body starts. */
  readonly lineStarts: readonly number[];
  readonly start: number;
  readonly end: number;
}

const NEWLINE = 0x0a;

/** Offsets of the lines of `body`; a last line without '\n' counts, an empty body has none. */
export function lineStartsOf(body: Buffer): number[] {
  if (body.length === 0) return [];
  const starts = [0];
  for (let i = body.indexOf(NEWLINE); i !== -1 && i + 1 < body.length; i = body.indexOf(NEWLINE, i + 1)) starts.push(i + 1);
  return starts;
}

/** The message with its body in JSONCompactEachRow (the format row pieces cut), same id and rows. */
export function jsonMessage(m: RowBatchMessage): RowBatchMessage {
  if (m.format !== 'Native') return m;
  return { ...m, format: undefined, body: encodeRows(m.table, decodeNativeRows(m.table, m.body)) };
}

/** All rows of a JSONCompactEachRow message (see jsonMessage). */
export function wholeMessage(message: RowBatchMessage): RowPiece {
  const lineStarts = lineStartsOf(message.body);
  return { message, lineStarts, start: 0, end: lineStarts.length };
}

export function isWholeMessage(p: RowPiece): boolean {
  return p.start === 0 && p.end === p.lineStarts.length;
}

export function lineCount(p: RowPiece): number {
  return p.end - p.start;
}

/** Rows a piece stores (a whole message counts what its producer declared). */
export function rowCountOf(p: RowPiece): number {
  return isWholeMessage(p) ? p.message.rowCount : lineCount(p);
}

export function bodyOf(p: RowPiece): Buffer {
  const { body } = p.message;
  if (isWholeMessage(p)) return body;
  return body.subarray(p.lineStarts[p.start], p.end < p.lineStarts.length ? p.lineStarts[p.end] : body.length);
}

/** What a piece holds, as a stable name: the message id, plus `#r<start>-<end>` for part of it (end exclusive). */
export function pieceId(p: RowPiece): string {
  return isWholeMessage(p) ? p.message.id : `${p.message.id}#r${p.start}-${p.end}`;
}

/**
 * Same contents → same token, in any order: a retried or redelivered insert of the same rows is
 * a no-op in ClickHouse. For whole messages the name is the message id, so a batch's token is
 * the same whether it is inserted whole or comes back as one tenant's sub-batch.
 */
export function contentToken(ids: readonly string[]): string {
  const h = createHash('sha256');
  for (const id of [...ids].sort()) h.update(id).update('\n');
  return h.digest('hex').slice(0, 40);
}

/** Halves a unit known to fail: by rows across pieces, or by rows inside a single piece. */
export function splitUnit(unit: readonly RowPiece[]): [RowPiece[], RowPiece[]] {
  if (unit.length > 1) {
    const total = unit.reduce((n, p) => n + lineCount(p), 0);
    let k = 1;
    for (let acc = lineCount(unit[0]); k < unit.length - 1 && acc * 2 < total; k++) acc += lineCount(unit[k]);
    return [unit.slice(0, k), unit.slice(k)];
  }
  const [p] = unit;
  const mid = p.start + Math.floor(lineCount(p) / 2);
  return [[{ ...p, end: mid }], [{ ...p, start: mid }]];
}

/** Pieces in a stable order (message id, then rows), adjacent row ranges of one message merged. */
export function mergeAdjacent(pieces: readonly RowPiece[]): RowPiece[] {
  return coalesce(pieces.map((piece) => ({ piece }))).map((e) => e.piece);
}

/** Merges adjacent row ranges of the same message, so a run of bad rows is parked as one entry. */
export function coalesce<T extends { piece: RowPiece }>(parked: readonly T[]): T[] {
  const sorted = [...parked].sort((a, b) =>
    a.piece.message.id < b.piece.message.id ? -1 : a.piece.message.id > b.piece.message.id ? 1 : a.piece.start - b.piece.start,
  );
  const out: T[] = [];
  for (const entry of sorted) {
    const last = out[out.length - 1];
    if (last && last.piece.message === entry.piece.message && last.piece.end === entry.piece.start) {
      out[out.length - 1] = { ...last, piece: { ...last.piece, end: entry.piece.end } };
    } else {
      out.push(entry);
    }
  }
  return out;
}

/** The dead-letter message for a parked piece: the original for a whole message, else a derived id. */
export function messageOf(p: RowPiece): RowBatchMessage {
  if (isWholeMessage(p)) return p.message;
  return { ...p.message, id: pieceId(p), rowCount: lineCount(p), body: Buffer.from(bodyOf(p)) };
}
