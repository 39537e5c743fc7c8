import type { Formatter } from '../../lib/format';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes in binary multiples (1 KB = 1024 B), as hostmetrics reports memory and filesystems. */
export function formatBytes(fmt: Formatter, bytes: number): string {
  let v = bytes;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${fmt.number(v, v < 10 && unit > 0 ? 1 : 0)} ${UNITS[unit]}`;
}
