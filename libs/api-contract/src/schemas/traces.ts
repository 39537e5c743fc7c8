/** Schemas of the trace explorer (search spans and traces) routes. */
import { z } from 'zod';
import { MAX_SPAN_DURATION_MS } from '@meridian/domain';
import { isoTime } from './common';
import { windowQuery } from './telemetry';

/**
 * A trace search: `traceId` alone finds that trace (any time; dashes allowed); otherwise traces
 * with a span in the window matching every filter. `attrs` / `resourceAttrs`: one filter per
 * line, `key=value`, `key!=value` or `key~regex` (re2).
 */
export const traceSearchQuery = windowQuery.extend({
  traceId: z
    .string()
    .regex(/^[0-9a-fA-F-]{32,40}$/, 'expected 32 hex digits (dashes allowed)')
    .optional(),
  service: z.string().max(500).optional(),
  endpoint: z.string().max(2000).optional(),
  minMs: z.coerce.number().min(0).max(MAX_SPAN_DURATION_MS).optional(),
  maxMs: z.coerce.number().min(0).max(MAX_SPAN_DURATION_MS).optional(),
  status: z.enum(['error', 'ok']).optional(),
  httpStatus: z.coerce.number().int().min(100).max(599).optional(),
  attrs: z.string().max(12_000).optional(),
  resourceAttrs: z.string().max(12_000).optional(),
  sort: z.enum(['start', 'duration']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().max(1024).optional(),
});

/** A trace as the explorer lists it; its spans are at the trace route. */
export const traceSummarySchema = z.object({
  traceId: z.string(),
  /** Empty when the root span was not received. */
  rootService: z.string(),
  rootEndpoint: z.string(),
  services: z.array(z.string()),
  startTime: isoTime,
  startUnixNanos: z.string(),
  durationMs: z.number(),
  spanCount: z.number().int(),
  errorCount: z.number().int(),
});
export const traceSearchResponse = z.object({
  from: isoTime,
  to: isoTime,
  traces: z.array(traceSummarySchema),
  /** The next page of the same search (send it as `cursor`), or null on the last page. */
  nextCursor: z.string().nullable(),
});
