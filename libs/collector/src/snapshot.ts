import type { DbTarget } from './targets';
import type { BlockingEdge, DbSession } from '@meridian/domain';

/** One instrument reading: the receivers' metric model, kept small. */
export interface Reading {
  name: string;
  /** gauge; sum = cumulative non-monotonic (up-down); counter = cumulative monotonic. */
  type: 'gauge' | 'sum' | 'counter';
  unit: string;
  description: string;
  points: Array<{ attributes: Record<string, string>; value: number }>;
}

/** Server-side statement statistics (pg_stat_statements / performance_schema digests), cumulative. */
export interface TopStatement {
  id: string;
  query: string;
  calls: number;
  totalMs: number;
  rows: number;
  errors: number;
}

export interface DbSnapshot {
  target: DbTarget;
  /** postgresql | mysql | mariadb */
  system: string;
  version: string;
  takenAtMs: number;
  up: boolean;
  /** Why the instance could not be read (never includes credentials). */
  error?: string;
  readings: Reading[];
  /** Client sessions by state (including idle), for meridian.db.sessions. */
  sessionsByState: Record<string, number>;
  maxConnections: number;
  /** Sessions waiting for a lock right now. */
  lockWaits: number;
  sessions: DbSession[];
  blocking: BlockingEdge[];
  /** Empty when the server does not collect them (extension not loaded, performance_schema off). */
  statements: TopStatement[];
  /** Why statements is empty, shown once in the log. */
  statementsUnavailable?: string;
}

/** Longest session list and statement list sent per poll (bounded metric cardinality). */
export const MAX_SESSIONS = 50;
export const MAX_STATEMENTS = 20;

export function downSnapshot(target: DbTarget, system: string, error: string): DbSnapshot {
  return {
    target,
    system,
    version: '',
    takenAtMs: Date.now(),
    up: false,
    error,
    readings: [],
    sessionsByState: {},
    maxConnections: 0,
    lockWaits: 0,
    sessions: [],
    blocking: [],
    statements: [],
  };
}

export function gauge(name: string, unit: string, description: string, points: Reading['points']): Reading {
  return { name, type: 'gauge', unit, description, points };
}
export function sum(name: string, unit: string, description: string, points: Reading['points']): Reading {
  return { name, type: 'sum', unit, description, points };
}
export function counter(name: string, unit: string, description: string, points: Reading['points']): Reading {
  return { name, type: 'counter', unit, description, points };
}
