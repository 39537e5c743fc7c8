/** What rows need besides the decoded request: whose data it is and how long to keep it. */
export interface RowContext {
  tenantId: string;
  retentionDays: number;
}
