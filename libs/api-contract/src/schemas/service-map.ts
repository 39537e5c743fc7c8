/** Schemas of the service map (calls between services) routes. */
import { z } from 'zod';
import { isoTime } from './common';
import { windowQuery } from './telemetry';

export const serviceMapQuery = windowQuery;

/** A node's own figures over the window: a service's transactions, or the calls into a database/external leaf. */
export const serviceMapFiguresSchema = z.object({
  count: z.number().int(),
  errors: z.number().int(),
  errorRate: z.number(),
  perMin: z.number(),
  avgMs: z.number(),
  p95Ms: z.number(),
});

export const serviceMapNodeSchema = z.object({
  /** `service:<name>`, `database:<system>:<target>` or `external:<target>`. */
  id: z.string(),
  kind: z.enum(['service', 'database', 'external']),
  name: z.string(),
  /** A leaf's database, RPC or messaging system (postgresql, mysql, grpc …), else ''. */
  system: z.string(),
  figures: serviceMapFiguresSchema.nullable(),
  /** Apdex of a service's transactions; null for leaves and for services without transactions in the window. */
  apdex: z.number().nullable(),
  /** critical: errors ≥ 5 % or Apdex < 0.7; warning: errors ≥ 1 % or Apdex < 0.85; idle: nothing in the window. */
  health: z.enum(['ok', 'warning', 'critical', 'idle']),
});

export const serviceMapEdgeSchema = z.object({
  /** Node ids. */
  source: z.string(),
  target: z.string(),
  /** The calls as the caller saw them (its CLIENT/PRODUCER spans). */
  figures: serviceMapFiguresSchema,
  /** trace: a SERVER span of the callee is a child of these calls; name: the called host or peer.service names the service; target: a leaf. */
  resolvedBy: z.enum(['trace', 'name', 'target']),
});

export const serviceMapResponse = z.object({
  from: isoTime,
  to: isoTime,
  nodes: z.array(serviceMapNodeSchema),
  edges: z.array(serviceMapEdgeSchema),
});
