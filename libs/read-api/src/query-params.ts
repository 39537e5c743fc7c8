import { BadRequestException } from '@nestjs/common';

/**
 * Time window from `from`/`to` (ISO 8601 or epoch ms) or `last` (e.g. 15m, 1h, 7d);
 * defaults to the last `defaultMs` ending now.
 */
export function parseWindow(q: { from?: string; to?: string; last?: string }, defaultMs: number, now = Date.now()): { from: Date; to: Date } {
  const to = q.to !== undefined ? parseTime(q.to, 'to') : new Date(now);
  let from: Date;
  if (q.from !== undefined) from = parseTime(q.from, 'from');
  else if (q.last !== undefined) from = new Date(to.getTime() - parseDuration(q.last));
  else from = new Date(to.getTime() - defaultMs);
  if (from.getTime() >= to.getTime()) throw new BadRequestException('from: must be before to');
  return { from, to };
}

/** An ISO 8601 time or epoch milliseconds; 400 naming the field otherwise. */
export function parseTime(s: string, field: string): Date {
  const d = /^\d{10,16}$/.test(s) ? new Date(Number(s)) : new Date(s);
  if (Number.isNaN(d.getTime())) throw new BadRequestException(`${field}: expected an ISO 8601 time or epoch milliseconds, got "${s}"`);
  return d;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
function parseDuration(s: string): number {
  const m = /^(\d+)([smhd])$/.exec(s);
  if (!m) throw new BadRequestException(`last: expected a duration like 15m, 1h or 7d, got "${s}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}
