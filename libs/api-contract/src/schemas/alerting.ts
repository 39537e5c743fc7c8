import { z } from 'zod';
import { ALERT_METRICS, HOST_HEARTBEAT_METRIC, POD_RESTARTS_METRIC, type AlertMetric } from '@meridian/domain';
import { isoTime, tenantParams, uuidSchema } from './common';

/**
 * Per-tenant alerting. Rules and channels are identified by a client-chosen `key`: creating one
 * with an existing key replaces it, so bulk imports are idempotent.
 */
export { ALERT_METRICS, HOST_HEARTBEAT_METRIC, POD_RESTARTS_METRIC, type AlertMetric };
/**
 * Units of each metric: latency ms, error rate %, throughput per minute, Apdex 0–1, vertical:
 * slow cells in one 5 s column, horizontal: seconds with slow hits, SQL p95 ms, queries per
 * transaction (N+1), metric: the stored metric's own unit (mean of its points in the window),
 * host down: seconds since the quietest host last reported, pod restarts: container restarts of
 * the pod that restarted most in the window.
 */
export const ALERT_METRIC_UNITS: Record<AlertMetric, string> = {
  latency_p95: 'ms',
  latency_p99: 'ms',
  error_rate: '%',
  throughput: '/min',
  apdex: '',
  hitmap_vertical: 'cells',
  hitmap_horizontal: 's',
  sql_p95: 'ms',
  queries_per_txn: '',
  metric: '',
  host_down: 's',
  pod_restarts: 'restarts',
};

/** Most resource attributes a rule may filter by. */
const MAX_RESOURCE_FILTERS = 20;

const key = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/, 'expected 1–200 letters, digits, ".", "_", ":", "/" or "-"');
const name = z.string().trim().min(1, 'required').max(200, 'at most 200 characters');
const nameFilter = z.string().min(1).max(1024).optional();

/** What a rule watches and when it fires: the rule body without its key, name and switch; stored as the rule's definition. */
const ruleDefinitionShape = {
  metric: z.enum(ALERT_METRICS),
  /** `above`: alert when the value rises over the thresholds (latency, errors, high throughput); `below`: when it drops under them (Apdex, low throughput). */
  direction: z.enum(['above', 'below']).default('above'),
  service: nameFilter,
  endpoint: nameFilter,
  warning: z.number().finite().min(0).optional(),
  critical: z.number().finite().min(0).optional(),
  /** Data looked at per evaluation: the last this many seconds. */
  windowSeconds: z
    .number()
    .int()
    .min(10)
    .max(6 * 3600)
    .default(300),
  /** The condition must hold this long before the alert fires (pending until then). */
  forSeconds: z.number().int().min(0).max(86_400).default(0),
  /** Repeat the firing message this often while still firing; 0 = never. */
  renotifySeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(0),
  /** Hysteresis: a firing alert resolves only once the value is this many percent back past the threshold. */
  hysteresisPercent: z.number().min(0).max(100).default(10),
  /** Hitmap patterns: the base time; hits slower than this count as slow. */
  slowMs: z.number().positive().max(80_000).optional(),
  /** SQL metrics: only this database instance. */
  dbInstance: nameFilter,
  /** `metric`: the stored metric (OTLP name), attributes its points must carry, and host; `host_down`: the metric hosts send every interval (default HOST_HEARTBEAT_METRIC). */
  metricName: z.string().min(1).max(1024).optional(),
  attributes: z.record(z.string().min(1).max(256), z.string().max(1024)).optional(),
  /** `metric`, `host_down`, `pod_restarts`: resource attributes the points must carry, e.g. `deployment.environment` or `k8s.namespace.name`. */
  resourceAttributes: z.record(z.string().min(1).max(256), z.string().max(1024)).optional(),
  /** `host.name`: one host (`metric`, `host_down`). */
  host: nameFilter,
  /** `pod_restarts`: only pods whose `k8s.pod.name` starts with this (a deployment's pods share its name as prefix). */
  podPrefix: nameFilter,
  /** Channel keys to notify. */
  channels: z.array(key).max(20).default([]),
  runbookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
};

function checkRuleDefinition(r: z.output<z.ZodObject<typeof ruleDefinitionShape>>, ctx: z.RefinementCtx): void {
  if (r.warning === undefined && r.critical === undefined)
    ctx.addIssue({ code: 'custom', path: ['critical'], message: 'give a warning or a critical threshold (or both)' });
  if (r.warning !== undefined && r.critical !== undefined) {
    const ordered = r.direction === 'above' ? r.critical >= r.warning : r.critical <= r.warning;
    if (!ordered)
      ctx.addIssue({ code: 'custom', path: ['critical'], message: `must be ${r.direction === 'above' ? '≥' : '≤'} warning for direction "${r.direction}"` });
  }
  if (r.metric === 'metric' && r.metricName === undefined)
    ctx.addIssue({ code: 'custom', path: ['metricName'], message: 'metric rules need metricName, the stored metric to watch' });
  if (Object.keys(r.resourceAttributes ?? {}).length > MAX_RESOURCE_FILTERS)
    ctx.addIssue({ code: 'custom', path: ['resourceAttributes'], message: `at most ${MAX_RESOURCE_FILTERS} resource attributes` });
  if (r.metric === 'host_down' || r.metric === 'pod_restarts') {
    if (r.direction !== 'above') ctx.addIssue({ code: 'custom', path: ['direction'], message: `${r.metric} rules fire above their thresholds` });
    for (const f of ['service', 'endpoint'] as const)
      if (r[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: `${r.metric} rules do not filter by ${f}; use resourceAttributes` });
  }
  // A host is known from its points in the window, so its silence never exceeds the window: a threshold at or past it could never fire.
  if (r.metric === 'host_down')
    for (const f of ['warning', 'critical'] as const)
      if (r[f] !== undefined && r[f] >= r.windowSeconds)
        ctx.addIssue({
          code: 'custom',
          path: [f],
          message: `must be less than windowSeconds (${r.windowSeconds}), the look-back in which a host must have reported`,
        });
  if (r.metric.startsWith('hitmap_') && r.slowMs === undefined)
    ctx.addIssue({ code: 'custom', path: ['slowMs'], message: 'hitmap rules need slowMs, the base time above which hits count as slow' });
}

export const alertRuleBody = z.object({ key, name, enabled: z.boolean().default(true), ...ruleDefinitionShape }).superRefine(checkRuleDefinition);
export type AlertRuleBody = z.output<typeof alertRuleBody>;

/** A stored rule definition (the alerter and the API read it back through this, not a cast). */
export const alertRuleDefinition = z.object(ruleDefinitionShape).superRefine(checkRuleDefinition);
export type AlertRuleDefinition = z.output<typeof alertRuleDefinition>;

/** The severity a value reaches by itself under a rule's thresholds, or null: the alerter's test, and the preview's. */
export function breachOf(def: Pick<AlertRuleDefinition, 'direction' | 'warning' | 'critical'>, value: number | null): 'warning' | 'critical' | null {
  if (value === null) return null;
  const crosses = (t: number | undefined) => t !== undefined && (def.direction === 'above' ? value >= t : value <= t);
  if (crosses(def.critical)) return 'critical';
  if (crosses(def.warning)) return 'warning';
  return null;
}

/** Longest span a preview looks back over, and most evaluations it runs: a tenant cannot make it scan more. */
export const PREVIEW_MAX_HOURS = 24;
export const PREVIEW_MAX_POINTS = 60;

/** An unsaved rule definition to evaluate over the last `hours`, the way the alerter would have. */
export const alertRulePreviewBody = z.object({
  rule: alertRuleDefinition,
  hours: z.number().int().min(1).max(PREVIEW_MAX_HOURS).default(6),
});
export const alertRulePreviewResponse = z.object({
  /** Seconds between two evaluations. */
  stepSeconds: z.number(),
  /** Oldest first; `value` null when there was nothing to judge by; `breach` the severity it reaches. */
  points: z.array(z.object({ at: isoTime, value: z.number().nullable(), breach: z.enum(['warning', 'critical']).nullable() })),
});

/**
 * What a notification says: stored with it in the outbox (a retry sends the same) and sent as
 * the webhook body (with `version` and `text`). Delivery reads it back through this, not a cast.
 */
export const alertMessage = z.object({
  kind: z.enum(['firing', 'resolved', 'test']),
  tenantSlug: z.string(),
  region: z.string(),
  ruleId: z.string().nullable(),
  ruleName: z.string(),
  severity: z.enum(['warning', 'critical']).nullable(),
  /** e.g. "p95 latency". */
  metricLabel: z.string(),
  unit: z.string(),
  direction: z.enum(['above', 'below']),
  threshold: z.number().nullable(),
  value: z.number().nullable(),
  service: z.string().optional(),
  endpoint: z.string().optional(),
  /** Host down / pod restarts: the hosts or pods past the threshold, worst first (at most 10), each with its value. */
  subjects: z.array(z.object({ name: z.string(), value: z.number() })).optional(),
  /** ISO time the condition started (firing) or ended (resolved). */
  since: z.string(),
  at: z.string(),
  /** The hitmap at the alert's window, filtered to the service; host down: the servers (or the host's) page; pod restarts: the Kubernetes map of its namespace. */
  link: z.string(),
  /** The page `link` opens (absent: the hitmap). */
  linkTo: z.enum(['hitmap', 'servers', 'kubernetes']).optional(),
  runbookUrl: z.string().optional(),
});
export type AlertMessage = z.output<typeof alertMessage>;

export const alertStateSchema = z.object({
  state: z.enum(['ok', 'pending', 'firing']),
  severity: z.enum(['warning', 'critical']).nullable(),
  since: isoTime.nullable(),
  lastValue: z.number().nullable(),
  lastEvalAt: isoTime.nullable(),
});

export const alertRuleSchema = z.object({
  id: uuidSchema,
  key: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  metric: z.enum(ALERT_METRICS),
  direction: z.enum(['above', 'below']),
  service: z.string().optional(),
  endpoint: z.string().optional(),
  warning: z.number().optional(),
  critical: z.number().optional(),
  windowSeconds: z.number(),
  forSeconds: z.number(),
  renotifySeconds: z.number(),
  hysteresisPercent: z.number(),
  slowMs: z.number().optional(),
  dbInstance: z.string().optional(),
  metricName: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
  resourceAttributes: z.record(z.string(), z.string()).optional(),
  host: z.string().optional(),
  podPrefix: z.string().optional(),
  channels: z.array(z.string()),
  runbookUrl: z.string().optional(),
  state: alertStateSchema,
  createdAt: isoTime,
  updatedAt: isoTime,
});
export const alertRulesResponse = z.object({ rules: z.array(alertRuleSchema) });
export const alertRuleParams = tenantParams.extend({ ruleId: uuidSchema });

const httpsOrHttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2000);
const email = z.email({ error: 'expected an email address' }).max(254);

export const alertChannelBody = z.discriminatedUnion('kind', [
  z.object({ key, name, kind: z.literal('slack'), /** Slack incoming-webhook URL (a secret). */ url: httpsOrHttpUrl }),
  z.object({
    key,
    name,
    kind: z.literal('webhook'),
    url: httpsOrHttpUrl,
    /** HMAC-SHA256 key; the body's signature is sent as `x-meridian-signature: sha256=<hex>`. */
    secret: z.string().min(16, 'at least 16 characters').max(200),
  }),
  z.object({
    key,
    name,
    kind: z.literal('email'),
    /** smtp(s)://user@host:port, without the password. */
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\/[^\s:@/]*@?[^\s/]+$/, 'expected smtp://user@host:port or smtps://user@host:port (password separately)')
      .max(500),
    password: z.string().max(500).default(''),
    from: email,
    to: z.array(email).min(1, 'at least one recipient').max(50),
  }),
]);
export type AlertChannelBody = z.output<typeof alertChannelBody>;

export const alertChannelSchema = z.object({
  id: uuidSchema,
  key: z.string(),
  name: z.string(),
  kind: z.enum(['slack', 'webhook', 'email']),
  /** Where it sends, with the secret part masked (the full URL/password is never returned). */
  target: z.string(),
  /** Non-secret settings (email: from, to). */
  settings: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
  updatedAt: isoTime,
  /** Saved, but worth a look: e.g. the target's name did not resolve right now (it is re-checked at every send). */
  warnings: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export const alertChannelsResponse = z.object({ channels: z.array(alertChannelSchema) });
export const alertChannelParams = tenantParams.extend({ channelId: uuidSchema });
export const channelTestResponse = z.object({ ok: z.boolean(), error: z.string().optional() });

export const alertHistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const alertHistoryResponse = z.object({
  events: z.array(
    z.object({
      at: isoTime,
      from: z.string(),
      to: z.string(),
      severity: z.enum(['warning', 'critical']).nullable(),
      value: z.number().nullable(),
      threshold: z.number().nullable(),
    }),
  ),
});

export const firingAlertsResponse = z.object({
  alerts: z.array(
    z.object({
      ruleId: uuidSchema,
      key: z.string(),
      name: z.string(),
      severity: z.enum(['warning', 'critical']).nullable(),
      since: isoTime.nullable(),
      value: z.number().nullable(),
    }),
  ),
});

export const deliveriesQuery = z.object({
  status: z.enum(['pending', 'sent', 'failed']).optional(),
  ruleId: uuidSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const deliveriesResponse = z.object({
  deliveries: z.array(
    z.object({
      id: uuidSchema,
      ruleId: uuidSchema.nullable(),
      channelId: uuidSchema,
      kind: z.enum(['firing', 'resolved', 'test']),
      status: z.enum(['pending', 'sent', 'failed']),
      attempts: z.number().int(),
      lastError: z.string(),
      createdAt: isoTime,
      sentAt: isoTime.nullable(),
    }),
  ),
});

export const silenceBody = z
  .object({
    /** Omit to silence every rule of the tenant (maintenance window). */
    ruleId: uuidSchema.optional(),
    reason: z.string().max(500).default(''),
    startsAt: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time' }).optional(),
    endsAt: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time' }),
  })
  .refine((s) => Date.parse(s.endsAt) > (s.startsAt ? Date.parse(s.startsAt) : Date.now()), { path: ['endsAt'], message: 'must be after startsAt (or now)' });
export const silenceSchema = z.object({
  id: uuidSchema,
  ruleId: uuidSchema.nullable(),
  reason: z.string(),
  startsAt: isoTime,
  endsAt: isoTime,
  createdBy: z.string(),
  createdAt: isoTime,
});
export const silencesResponse = z.object({ silences: z.array(silenceSchema) });
export const silenceParams = tenantParams.extend({ silenceId: uuidSchema });

/** Channels carry their secrets on import only; export omits them (re-import needs them again). */
export const alertingImportBody = z.object({
  channels: z.array(alertChannelBody).max(10_000).default([]),
  rules: z.array(alertRuleBody).max(10_000).default([]),
});
export const alertingImportResponse = z.object({
  channels: z.object({ created: z.number().int(), updated: z.number().int() }),
  rules: z.object({ created: z.number().int(), updated: z.number().int() }),
  /** As on a single channel: saved, with a note (e.g. a target that did not resolve right now). */
  warnings: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export const alertingExportResponse = z.object({
  channels: z.array(alertChannelSchema),
  rules: z.array(alertRuleSchema),
});
