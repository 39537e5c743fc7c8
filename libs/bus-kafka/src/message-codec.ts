import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { ROW_COLUMNS, type RowBatchMessage, type RowBodyFormat, type RowTable } from '@meridian/domain';

/**
 * A RowBatchMessage on Kafka: the value is the row body as is; id, tenant, table, row count and
 * body format (absent: JSONCompactEachRow) travel as headers, so the ingester never parses the body.
 */
export const HEADER = {
  id: 'meridian-id',
  tenant: 'meridian-tenant',
  table: 'meridian-table',
  rows: 'meridian-rows',
  format: 'meridian-format',
  reason: 'meridian-reason',
  deadLetteredAt: 'meridian-dead-lettered-at',
  source: 'meridian-source',
  replayedAt: 'meridian-replayed-at',
} as const;

export function toKafkaMessage(m: RowBatchMessage): Message {
  return {
    // Without a key of its own a message is keyed by its id: its partition is then fixed, so a
    // retry or the bus's resend lands on the same partition, where the consumer drops the copy
    // (a keyless message would be placed anew on every attempt).
    key: m.key ?? m.id,
    value: m.body,
    headers: {
      [HEADER.id]: m.id,
      [HEADER.tenant]: m.tenantId,
      [HEADER.table]: m.table,
      [HEADER.rows]: String(m.rowCount),
      ...(m.format ? { [HEADER.format]: m.format } : {}),
    },
  };
}

export function header(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined || v === null) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
}

/** Reads a message back; throws UndecodableMessageError naming what is missing or wrong. */
export function fromKafkaMessage(region: string, m: KafkaMessage): RowBatchMessage {
  const id = header(m.headers, HEADER.id);
  const tenantId = header(m.headers, HEADER.tenant);
  const table = header(m.headers, HEADER.table);
  const rows = Number(header(m.headers, HEADER.rows));
  const problems: string[] = [];
  if (!id) problems.push(`header ${HEADER.id} missing`);
  if (!tenantId) problems.push(`header ${HEADER.tenant} missing`);
  if (!table || !(table in ROW_COLUMNS))
    problems.push(`header ${HEADER.table} is ${JSON.stringify(table)}, expected one of ${Object.keys(ROW_COLUMNS).join(', ')}`);
  if (!Number.isInteger(rows) || rows < 0) problems.push(`header ${HEADER.rows} is not a row count`);
  const format = header(m.headers, HEADER.format);
  if (format !== undefined && !BODY_FORMATS.has(format))
    problems.push(`header ${HEADER.format} is ${JSON.stringify(format)}, expected one of ${[...BODY_FORMATS].join(', ')}`);
  if (!m.value) problems.push('no value (row body)');
  if (problems.length) throw new UndecodableMessageError(`undecodable bus message at offset ${m.offset}: ${problems.join('; ')}`);
  return {
    id: id!,
    tenantId: tenantId!,
    region,
    table: table as RowTable,
    rowCount: rows,
    body: m.value!,
    key: m.key ? m.key.toString('utf8') : undefined,
    format: format as RowBodyFormat | undefined,
  };
}

const BODY_FORMATS: ReadonlySet<string> = new Set<RowBodyFormat>(['JSONCompactEachRow', 'Native']);

/**
 * A message that cannot be decoded still goes to the dead letters with its original bytes;
 * what headers it has are kept, the rest is filled in so it can be listed.
 */
export function bestEffortMessage(region: string, table: RowTable, m: KafkaMessage, where: string): RowBatchMessage {
  return {
    id: header(m.headers, HEADER.id) ?? `kafka:${where}`,
    tenantId: header(m.headers, HEADER.tenant) ?? '',
    region,
    table,
    rowCount: Number(header(m.headers, HEADER.rows)) || 0,
    body: m.value ?? Buffer.alloc(0),
    key: m.key ? m.key.toString('utf8') : undefined,
    format: BODY_FORMATS.has(header(m.headers, HEADER.format) ?? '') ? (header(m.headers, HEADER.format) as RowBodyFormat) : undefined,
  };
}
