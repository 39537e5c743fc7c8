import { ALERT_METRIC_UNITS, ALERT_METRICS, type AlertMetric, type ApiRoutes, type RequestInput, type ResponseOf } from '@meridian/api-contract';
import type { Formatter } from '../../lib/format';

export type AlertRule = ResponseOf<ApiRoutes['getAlertRule']>;
export type RuleBody = NonNullable<RequestInput<ApiRoutes['putAlertRule']>['body']>;

/** What the rule editor holds: inputs as typed (text), turned into the API body on save. */
export interface RuleForm {
  key: string;
  name: string;
  enabled: boolean;
  metric: AlertMetric;
  direction: 'above' | 'below';
  service: string;
  endpoint: string;
  dbInstance: string;
  host: string;
  metricName: string;
  /** `name=value`, one per line. */
  attributes: string;
  /** `name=value`, one per line. */
  resourceAttributes: string;
  podPrefix: string;
  slowMs: string;
  warning: string;
  critical: string;
  windowSeconds: string;
  forSeconds: string;
  renotifySeconds: string;
  hysteresisPercent: string;
  channels: string[];
  runbookUrl: string;
}

export const EMPTY_RULE: RuleForm = {
  key: '',
  name: '',
  enabled: true,
  metric: 'latency_p95',
  direction: 'above',
  service: '',
  endpoint: '',
  dbInstance: '',
  host: '',
  metricName: '',
  attributes: '',
  resourceAttributes: '',
  podPrefix: '',
  slowMs: '',
  warning: '',
  critical: '',
  windowSeconds: '300',
  forSeconds: '0',
  renotifySeconds: '0',
  hysteresisPercent: '10',
  channels: [],
  runbookUrl: '',
};

/**
 * A new rule prefilled from the editor's URL (`/alerts/rule?metric=pod_restarts&resourceAttributes=…`),
 * as other pages' "alert on this" links open it: text fields of the form only; an unknown metric
 * or direction is ignored. The user still reviews and saves it.
 */
export function formFromParams(p: URLSearchParams): RuleForm {
  const form: RuleForm = { ...EMPTY_RULE };
  const text = form as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(EMPTY_RULE)) if (typeof v === 'string' && p.has(k)) text[k] = p.get(k)!.slice(0, 12_000);
  if (!(ALERT_METRICS as readonly string[]).includes(form.metric)) form.metric = EMPTY_RULE.metric;
  if (form.direction !== 'below') form.direction = 'above';
  return form;
}

/** Which scope and pattern inputs make sense for a metric (the others are hidden and not sent). */
export function metricInputs(metric: AlertMetric): {
  direction: boolean;
  service: boolean;
  endpoint: boolean;
  dbInstance: boolean;
  host: boolean;
  metricName: boolean;
  attributes: boolean;
  resourceAttributes: boolean;
  podPrefix: boolean;
  slowMs: boolean;
} {
  // Host down and pod restarts watch infrastructure, not services, and only fire above their thresholds.
  const infra = metric === 'host_down' || metric === 'pod_restarts';
  return {
    direction: !infra,
    service: !infra,
    endpoint: metric !== 'metric' && !infra,
    dbInstance: metric === 'sql_p95' || metric === 'queries_per_txn',
    host: metric === 'metric' || metric === 'host_down',
    metricName: metric === 'metric' || metric === 'host_down',
    attributes: metric === 'metric',
    resourceAttributes: metric === 'metric' || infra,
    podPrefix: metric === 'pod_restarts',
    slowMs: metric === 'hitmap_vertical' || metric === 'hitmap_horizontal',
  };
}

const attributeLines = (a: Record<string, string> | undefined) =>
  Object.entries(a ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

const text = (v: string | undefined) => v ?? '';
const num = (v: number | undefined) => (v === undefined ? '' : String(v));

export function ruleToForm(r: AlertRule): RuleForm {
  return {
    key: r.key,
    name: r.name,
    enabled: r.enabled,
    metric: r.metric,
    direction: r.direction,
    service: text(r.service),
    endpoint: text(r.endpoint),
    dbInstance: text(r.dbInstance),
    host: text(r.host),
    metricName: text(r.metricName),
    attributes: attributeLines(r.attributes),
    resourceAttributes: attributeLines(r.resourceAttributes),
    podPrefix: text(r.podPrefix),
    slowMs: num(r.slowMs),
    warning: num(r.warning),
    critical: num(r.critical),
    windowSeconds: String(r.windowSeconds),
    forSeconds: String(r.forSeconds),
    renotifySeconds: String(r.renotifySeconds),
    hysteresisPercent: String(r.hysteresisPercent),
    channels: r.channels,
    runbookUrl: text(r.runbookUrl),
  };
}

/** `name=value` lines → attributes; the first line without `=` is reported (the server cannot name a line). */
export function parseAttributes(lines: string): { attributes?: Record<string, string>; badLine?: string } {
  const attributes: Record<string, string> = {};
  for (const raw of lines.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { badLine: line };
    attributes[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return Object.keys(attributes).length ? { attributes } : {};
}

const opt = (v: string) => (v.trim() === '' ? undefined : v.trim());
/** Empty → absent; anything else → a number, NaN included, so the server names the field it cannot read. */
const optNum = (v: string) => (v.trim() === '' ? undefined : Number(v));

/** The API body of a form; fields the metric does not use are left out. */
export function formToBody(f: RuleForm): RuleBody {
  const uses = metricInputs(f.metric);
  return {
    key: f.key.trim(),
    name: f.name,
    enabled: f.enabled,
    metric: f.metric,
    direction: uses.direction ? f.direction : 'above',
    service: uses.service ? opt(f.service) : undefined,
    endpoint: uses.endpoint ? opt(f.endpoint) : undefined,
    dbInstance: uses.dbInstance ? opt(f.dbInstance) : undefined,
    host: uses.host ? opt(f.host) : undefined,
    metricName: uses.metricName ? opt(f.metricName) : undefined,
    attributes: uses.attributes ? parseAttributes(f.attributes).attributes : undefined,
    resourceAttributes: uses.resourceAttributes ? parseAttributes(f.resourceAttributes).attributes : undefined,
    podPrefix: uses.podPrefix ? opt(f.podPrefix) : undefined,
    slowMs: uses.slowMs ? optNum(f.slowMs) : undefined,
    warning: optNum(f.warning),
    critical: optNum(f.critical),
    windowSeconds: Number(f.windowSeconds),
    forSeconds: Number(f.forSeconds),
    renotifySeconds: Number(f.renotifySeconds),
    hysteresisPercent: Number(f.hysteresisPercent),
    channels: f.channels,
    runbookUrl: opt(f.runbookUrl),
  };
}

/** A rule or channel key suggested from its name ("Checkout p95" → "checkout-p95"); empty when nothing usable remains. */
export function suggestKey(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._:/-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 200);
}

/** A metric value in its unit: latencies as durations, error rate in %, Apdex with two decimals. */
export function formatMetricValue(fmt: Formatter, metric: AlertMetric, value: number): string {
  const unit = ALERT_METRIC_UNITS[metric];
  if (unit === 'ms') return fmt.duration(value);
  if (unit === 's') return fmt.duration(value * 1000);
  if (unit === '%') return `${fmt.number(value, 2)}%`;
  if (unit === '/min') return `${fmt.number(value, 1)}/min`;
  if (unit === 'cells' || unit === 'restarts') return fmt.number(value, 0);
  return fmt.number(value, metric === 'apdex' ? 2 : 3);
}

/** Longest window the hitmap page opens (its API's maximum). */
const HITMAP_MAX_MS = 6 * 3600_000;

/**
 * The hitmap window that shows an alert: from one evaluation window before it started until
 * now (at least a minute past its start, should this browser's clock lag the server's), at
 * most six hours, keeping the newest part.
 */
export function alertHitmapWindow(sinceMs: number, windowSeconds: number, nowMs: number): { from: number; to: number } {
  const to = Math.max(nowMs, sinceMs + 60_000);
  const from = Math.max(sinceMs - windowSeconds * 1000, to - HITMAP_MAX_MS);
  return { from, to };
}

/** A service/endpoint pair the tenant has sent transactions for. */
export interface KnownScope {
  service: string;
  endpoint: string;
}

/** Typeahead choices: the tenant's services, and the endpoints of the typed service (of all when none is typed). */
export function scopeChoices(known: readonly KnownScope[], service: string): { services: string[]; endpoints: string[] } {
  const s = service.trim();
  const services = [...new Set(known.map((k) => k.service))].sort();
  const endpoints = [
    ...new Set(
      known
        .filter((k) => !s || k.service === s)
        .map((k) => k.endpoint)
        .filter(Boolean),
    ),
  ].sort();
  return { services, endpoints };
}

/**
 * Which typed name the tenant has not sent (a typo would never fire): the service, else the
 * endpoint (of that service, when one is typed). Empty fields mean "all" and are fine.
 */
export function unknownScope(known: readonly KnownScope[], service: string, endpoint: string): 'service' | 'endpoint' | undefined {
  const s = service.trim();
  const e = endpoint.trim();
  if (s && !known.some((k) => k.service === s)) return 'service';
  if (e && !known.some((k) => k.endpoint === e && (!s || k.service === s))) return 'endpoint';
  return undefined;
}
