import type { ApiRoutes, ResponseOf } from '@meridian/api-contract';
import { isPoolSpan } from './folding';

/** A span as the trace and transactions routes return it. */
export type TraceSpan = ResponseOf<ApiRoutes['trace']>['spans'][number];

export interface SqlFacts {
  system: string;
  instance: string;
  dbName: string;
  operation: string;
  /** Normalized statement (literals → ?), what statistics group by. */
  fingerprint: string;
  /** The statement as sent, when stored and different from the fingerprint. */
  raw?: string;
}

/**
 * The statement a span ran, or undefined when it ran none: not a database call, a database
 * span without a statement (a connect or handshake), or a connection pool's span
 * (`pg-pool.connect`), which is no statement even when it carries one (a validation query).
 */
export function sqlFacts(s: TraceSpan): SqlFacts | undefined {
  if ((!s.dbStatement.trim() && !s.dbFingerprint.trim()) || isPoolSpan(s)) return undefined;
  const facts: SqlFacts = {
    system: s.dbSystem,
    instance: s.dbInstance,
    dbName: s.dbName,
    operation: s.dbOperation,
    fingerprint: s.dbFingerprint || s.dbStatement,
  };
  if (s.dbStatement && s.dbStatement !== facts.fingerprint) facts.raw = s.dbStatement;
  return facts;
}

export interface HttpFacts {
  method: string;
  /** Route template when known, else the path, else the span name. */
  target: string;
  /** The concrete path when it adds to the route (`/orders/42` for `/orders/{id}`). */
  path?: string;
  /** 0 when not recorded. */
  status: number;
  direction: 'in' | 'out';
}

/** The HTTP request a span served (server) or made (client), or undefined. */
export function httpFacts(s: TraceSpan): HttpFacts | undefined {
  if (!s.httpMethod && !s.httpStatus && !s.httpRoute && !s.urlPath) return undefined;
  const target = s.httpRoute || s.urlPath || s.spanName;
  const facts: HttpFacts = { method: s.httpMethod, target, status: s.httpStatus, direction: s.kind === 'CLIENT' ? 'out' : 'in' };
  if (s.urlPath && s.urlPath !== target) facts.path = s.urlPath;
  return facts;
}

export interface ExceptionFacts {
  type: string;
  message: string;
  stacktrace: string;
}

export interface ErrorFacts {
  statusMessage: string;
  exceptions: ExceptionFacts[];
}

/** What went wrong in a span (error status, recorded exceptions), or undefined. */
export function errorFacts(s: TraceSpan): ErrorFacts | undefined {
  const exceptions = s.events
    .filter((e) => e.name === 'exception')
    .map((e) => ({
      type: e.attributes['exception.type'] ?? '',
      message: e.attributes['exception.message'] ?? '',
      stacktrace: e.attributes['exception.stacktrace'] ?? '',
    }));
  if (!s.isError && exceptions.length === 0) return undefined;
  return { statusMessage: s.statusMessage, exceptions };
}

export type SpanCategory = 'db' | 'http' | 'error' | 'other';

/** What a waterfall bar's colour says about a span. */
export function spanCategory(s: TraceSpan): SpanCategory {
  if (s.isError) return 'error';
  if (s.dbSystem || sqlFacts(s)) return 'db';
  if (httpFacts(s)) return 'http';
  return 'other';
}

/** Epoch nanoseconds (decimal text, beyond 2^53) → epoch ms. */
export function nanosToMs(nanos: string): number {
  return Number(BigInt(nanos) / 1_000_000n);
}
export const spanStartMs = (s: Pick<TraceSpan, 'startUnixNanos'>) => nanosToMs(s.startUnixNanos);
export const spanEndMs = (s: Pick<TraceSpan, 'endUnixNanos'>) => nanosToMs(s.endUnixNanos);
