import { z } from 'zod';
import { isoTime } from './common';
import { windowQuery } from './telemetry';

/** Schemas of the servers and server detail (infrastructure) routes. */
const share = z.number().nullable().describe('0–1');

export const hostsQuery = windowQuery.extend({
  groupBy: z.string().max(256).optional().describe('resource attribute key each host reports its value of (e.g. deployment.environment)'),
  downAfterMinutes: z.coerce.number().int().min(1).max(60).optional().describe('a host is down after this many minutes without a report (default 3)'),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});
export const hostSummarySchema = z.object({
  host: z.string(),
  lastSeen: isoTime,
  down: z.boolean(),
  cpu: share,
  memory: share,
  disk: share,
  networkBytesPerSec: z.number().nullable(),
  load1: z.number().nullable(),
  group: z.string(),
});
export const hostsResponse = z.object({
  from: isoTime,
  to: isoTime,
  hosts: z.array(hostSummarySchema),
  attributeKeys: z.array(z.string()),
  truncated: z.boolean(),
});

export const hostParams = z.object({ tenant: z.string().min(1).max(64), host: z.string().min(1).max(1024) });
const seriesSchema = z.object({ name: z.string(), values: z.array(z.number().nullable()) });
export const hostResponse = z.object({
  from: isoTime,
  to: isoTime,
  host: z.string(),
  lastSeen: isoTime.nullable(),
  attributes: z.record(z.string(), z.string()),
  stepSeconds: z.number().int(),
  times: z.array(isoTime),
  cpu: z.array(seriesSchema).describe('share of all CPU time per state'),
  memory: z.array(seriesSchema).describe('bytes per memory state'),
  load: z.array(seriesSchema),
  disk: z.array(seriesSchema).describe('bytes per second per direction'),
  network: z.array(seriesSchema).describe('bytes per second per direction'),
  filesystems: z.array(z.object({ mountpoint: z.string(), usedBytes: z.number(), totalBytes: z.number(), use: share })),
});

export const hostProcessesQuery = z.object({
  at: z.string().optional().describe('ISO 8601 or epoch ms; default now'),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const processSchema = z.object({
  pid: z.string(),
  executable: z.string(),
  commandLine: z.string(),
  owner: z.string(),
  cpu: z.number().nullable().describe('CPU seconds per second (1 = one core)'),
  memoryBytes: z.number().nullable(),
  memoryUse: share,
});
export const hostProcessesResponse = z.object({ at: isoTime, byCpu: z.array(processSchema), byMemory: z.array(processSchema) });

export const hostServicesResponse = z.object({
  from: isoTime,
  to: isoTime,
  services: z.array(z.object({ service: z.string(), spans: z.number().int() })),
});

export type HostSummaryDto = z.infer<typeof hostSummarySchema>;
