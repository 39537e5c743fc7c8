/**
 * JSONEachRow: one JSON object per line, each line ending in '\n' (what ClickHouse's
 * JSONEachRow input reads and what RowBatchMessage.body carries). Rows hold no bigint: 64-bit
 * values are already decimal strings.
 */
export function serializeRows(rows: readonly object[]): Buffer {
  let text = '';
  for (let i = 0; i < rows.length; i++) text += JSON.stringify(rows[i]) + '\n';
  return Buffer.from(text, 'utf8');
}
