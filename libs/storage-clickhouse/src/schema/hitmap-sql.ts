import { HITMAP_ROWS, hitmapRowUpperBoundsMs } from '@meridian/domain';

/**
 * SQL for the hitmap row (y, 0 = fastest) of a duration in nanoseconds, generated from the
 * domain layout so TypeScript (`hitmapRow`) and SQL cannot disagree. Comparisons are on integer
 * nanoseconds: row r holds durations in [upper(r-1), upper(r)).
 */
export function hitmapRowSql(durationNsExpr: string): string {
  const bounds = hitmapRowUpperBoundsMs();
  if (bounds.length !== HITMAP_ROWS - 1) throw new Error(`hitmap layout has ${bounds.length} thresholds, expected ${HITMAP_ROWS - 1}`);
  const parts: string[] = [];
  bounds.forEach((ms, row) => {
    if (!Number.isInteger(ms * 1e6)) throw new Error(`hitmap threshold ${ms} ms is not a whole number of nanoseconds`);
    parts.push(`${durationNsExpr} < ${ms * 1e6}`, String(row));
  });
  return `toUInt8(multiIf(${parts.join(', ')}, ${HITMAP_ROWS - 1}))`;
}
