/** What rows need besides the decoded request: whose data it is and how long to keep it. */
export interface RowContext {
  tenantId: string;
  retentionDays: number;
}

/** The context with retention_days fitting its UInt16 column (clamped; the tables' TTL keeps at most 3650 days anyway). */
export function storableContext(ctx: RowContext): RowContext {
  const days = ctx.retentionDays;
  if (Number.isInteger(days) && days >= 0 && days <= 0xffff) return ctx;
  return { tenantId: ctx.tenantId, retentionDays: Number.isNaN(days) ? 0 : Math.min(Math.max(Math.trunc(days), 0), 0xffff) };
}
