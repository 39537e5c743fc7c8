import { z } from 'zod';
import { isoTime } from './common';
import { windowQuery } from './telemetry';

const name = (max: number) => z.string().min(1).max(max);
const limit = (max: number) => z.coerce.number().int().min(1).max(max).optional();
const sqlFilters = { service: name(500).optional(), endpoint: name(2000).optional() };

export const sqlEndpointsQuery = windowQuery.extend({ service: sqlFilters.service });
export const sqlEndpointSchema = z.object({
  service: z.string(),
  endpoint: z.string(),
  transactions: z.number(),
  dbCalls: z.number(),
  errors: z.number(),
  statements: z.number(),
  queriesPerTxnAvg: z.number(),
  queriesPerTxnMax: z.number(),
  dbTimePerTxnMs: z.number(),
  dbTimePerTxnMaxMs: z.number(),
});
export const sqlEndpointsResponse = z.object({ from: isoTime, to: isoTime, endpoints: z.array(sqlEndpointSchema) });

export const STATEMENT_SORT_KEYS = ['calls', 'totalTime', 'p95', 'errors', 'perTxn'] as const;
export const sqlStatementsQuery = windowQuery.extend({ ...sqlFilters, sort: z.enum(STATEMENT_SORT_KEYS).optional(), limit: limit(1000) });
export const sqlStatementSchema = z.object({
  fingerprint: z.string(),
  fingerprintHash: z.string(),
  dbSystem: z.string(),
  operation: z.string(),
  instances: z.array(z.string()),
  calls: z.number(),
  errors: z.number(),
  totalMs: z.number(),
  avgMs: z.number(),
  maxMs: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  transactions: z.number(),
  callsPerTxn: z.number(),
});
export const sqlStatementsResponse = z.object({ from: isoTime, to: isoTime, statements: z.array(sqlStatementSchema) });

export const TRANSACTION_SORT_KEYS = ['queries', 'dbTime', 'maxRepeat'] as const;
export const sqlTransactionsQuery = windowQuery.extend({ ...sqlFilters, sort: z.enum(TRANSACTION_SORT_KEYS).optional(), limit: limit(1000) });
export const sqlTransactionSchema = z.object({
  traceId: z.string(),
  service: z.string(),
  endpoint: z.string(),
  startTime: isoTime,
  durationMs: z.number().nullable(),
  isError: z.boolean(),
  queries: z.number(),
  dbTimeMs: z.number(),
  errors: z.number(),
  statements: z.number(),
  maxRepeat: z.number(),
  topStatement: z.string(),
});
export const sqlTransactionsResponse = z.object({ from: isoTime, to: isoTime, transactions: z.array(sqlTransactionSchema) });

export const nPlusOneQuery = windowQuery.extend({ ...sqlFilters, threshold: z.coerce.number().int().min(2).max(100_000).optional(), limit: limit(1000) });
export const nPlusOneSchema = z.object({
  service: z.string(),
  endpoint: z.string(),
  fingerprint: z.string(),
  dbSystem: z.string(),
  transactions: z.number(),
  maxRepeat: z.number(),
  avgRepeat: z.number(),
  totalMs: z.number(),
  exampleTraceId: z.string(),
  threshold: z.number(),
});
export const nPlusOneResponse = z.object({ from: isoTime, to: isoTime, threshold: z.number(), findings: z.array(nPlusOneSchema) });

export const dbInstanceHealthSchema = z.object({
  instance: z.string(),
  name: z.string(),
  system: z.string(),
  cluster: z.string(),
  up: z.boolean().nullable(),
  lastSeen: isoTime.nullable(),
  activeSessions: z.number().nullable(),
  lockWaits: z.number().nullable(),
  connections: z.number().nullable(),
  maxConnections: z.number().nullable(),
  connectionUse: z.number().nullable(),
  calls: z.number(),
  errorRate: z.number().nullable(),
  queryP95Ms: z.number().nullable(),
  callsPerMin: z.number(),
});
export const dbInstancesResponse = z.object({ from: isoTime, to: isoTime, instances: z.array(dbInstanceHealthSchema) });

export const dbInstanceParams = z.object({ tenant: z.string().min(1).max(64), instance: name(1024) });
export const dbInstanceResponse = z.object({
  from: isoTime,
  to: isoTime,
  health: dbInstanceHealthSchema,
  sessions: z.array(
    z.object({
      id: z.string(),
      user: z.string(),
      database: z.string(),
      state: z.string(),
      waitEvent: z.string(),
      seconds: z.number(),
      query: z.string(),
      blockedBy: z.array(z.string()),
    }),
  ),
  blocking: z.array(
    z.object({
      blockedId: z.string(),
      blockingId: z.string(),
      blockedQuery: z.string(),
      blockingQuery: z.string(),
      waitSeconds: z.number(),
      lockType: z.string(),
      lockMode: z.string(),
      relation: z.string(),
    }),
  ),
  chains: z.array(
    z.object({
      rootId: z.string(),
      rootQuery: z.string(),
      waiters: z.array(
        z.object({
          id: z.string(),
          depth: z.number(),
          blockedBy: z.string(),
          query: z.string(),
          waitSeconds: z.number(),
          lockType: z.string(),
          lockMode: z.string(),
          relation: z.string(),
        }),
      ),
    }),
  ),
  statements: z.array(sqlStatementSchema),
  serverStatements: z.array(z.object({ id: z.string(), fingerprint: z.string(), calls: z.number(), totalMs: z.number(), avgMs: z.number() })),
  series: z.array(
    z.object({
      t: z.number(),
      calls: z.number(),
      errors: z.number(),
      avgMs: z.number().nullable(),
      p95Ms: z.number().nullable(),
      activeSessions: z.number().nullable(),
      serverOpsPerSec: z.number().nullable(),
      lockWaits: z.number().nullable(),
      blockedSessions: z.number().nullable(),
    }),
  ),
});

export type DbInstanceHealthDto = z.infer<typeof dbInstanceHealthSchema>;

/** Health metrics the honeycomb can colour by, with default warning/critical thresholds (higher is worse). */
export const DB_HEALTH_METRICS = {
  activeSessions: { warning: 10, critical: 25 },
  lockWaits: { warning: 1, critical: 5 },
  queryP95Ms: { warning: 100, critical: 500 },
  errorRate: { warning: 0.01, critical: 0.05 },
  connectionUse: { warning: 0.7, critical: 0.9 },
} as const;
export type DbHealthMetric = keyof typeof DB_HEALTH_METRICS;
export type HealthLevel = 'ok' | 'warning' | 'critical' | 'down' | 'unknown';

/** Level of one instance for one metric: down beats everything; a missing figure is unknown. */
export function healthLevel(
  instance: DbInstanceHealthDto,
  metric: DbHealthMetric,
  thresholds: { warning: number; critical: number } = DB_HEALTH_METRICS[metric],
): HealthLevel {
  if (instance.up === false) return 'down';
  const value = instance[metric];
  if (value === null || !Number.isFinite(value)) return 'unknown';
  if (value >= thresholds.critical) return 'critical';
  if (value >= thresholds.warning) return 'warning';
  return 'ok';
}
