// Plans one transaction from the scenario table: a tree of spans with names, attributes, relative
// timings, errors and log lines, all drawn from a seeded RNG. Pure: no clock, no SDK, so the same
// seed always gives the same plan. Emitting the plan through the OpenTelemetry SDK is emit.ts.
//
// Timing model: a span's duration is its own (self) time plus its steps laid out one after the
// other, so a slow callee makes its caller slow too and every child sits inside its parent.
// Times are integer microseconds, relative to the parent span's start.

import { SpanKind } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { Rng } from './prng';
import {
  DB_INSTANCES,
  ENDPOINTS,
  SERVICES,
  UPSTREAM_FRAMES,
  endpointKey,
  type CallStep,
  type DbInstanceDef,
  type DbStep,
  type EndpointDef,
  type ExceptionDef,
  type ExternalStep,
  type FailureDef,
  type InternalStep,
  type Latency,
  type ServiceDef,
  type Step,
} from './scenarios';
import { dbClientSpan, httpClientSpan, httpServerSpan, messagingConsumerSpan, type NamedAttributes } from './semconv';

export type LogSeverity = 'INFO' | 'WARN' | 'ERROR';

export interface PlannedLog {
  severity: LogSeverity;
  body: string;
  /** relative to the start of the span the log belongs to */
  offsetUs: number;
  attributes: Attributes;
}

export interface PlannedException {
  type: string;
  message: string;
  stacktrace: string;
  offsetUs: number;
}

/** What a span means for metrics. */
export type SpanRecord =
  | { kind: 'entry'; endpoint: EndpointDef; status: number; error: boolean }
  | { kind: 'db'; db: DbInstanceDef; dbId: string; operation: string; table: string; error: boolean }
  | { kind: 'other' };

export interface PlannedSpan {
  service: ServiceDef;
  name: string;
  kind: SpanKind;
  /** start relative to the parent's start (0 for the root) */
  offsetUs: number;
  durationUs: number;
  attributes: Attributes;
  /** set when the span ends with ERROR status */
  error?: { message: string; exception?: PlannedException };
  logs: PlannedLog[];
  /** runs in another service than its parent: its context travels in W3C trace headers */
  remoteParent: boolean;
  record: SpanRecord;
  children: PlannedSpan[];
}

export interface PlannedTransaction {
  entry: EndpointDef;
  root: PlannedSpan;
  spanCount: number;
}

export interface PlanOptions {
  /** multiplies sampled latencies (not tails) to make the load breathe over time; default 1 */
  latencyScale?: number;
}

const SERVICE_BY_NAME = new Map(SERVICES.map((s) => [s.name, s]));
const ENDPOINT_BY_KEY = new Map(ENDPOINTS.map((e) => [endpointKey(e), e]));
const ENTRY_POINTS = ENDPOINTS.filter((e) => e.entryWeight > 0);
const ENTRY_WEIGHT = ENTRY_POINTS.reduce((sum, e) => sum + e.entryWeight, 0);

const BROWSER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
];
const SLOW_QUERY_MS = 1000;

/** Picks the endpoint the next transaction starts at, by entry weight. */
export function pickEntry(rng: Rng): EndpointDef {
  let roll = rng.next() * ENTRY_WEIGHT;
  for (const ep of ENTRY_POINTS) {
    roll -= ep.entryWeight;
    if (roll < 0) return ep;
  }
  return ENTRY_POINTS[ENTRY_POINTS.length - 1];
}

export function planTransaction(entry: EndpointDef, rng: Rng, options: PlanOptions = {}): PlannedTransaction {
  const ctx: PlanContext = { rng, scale: options.latencyScale ?? 1, sticky: new Map(), spanCount: 0 };
  const inbound = entry.consumer ? undefined : { clientAddress: `203.0.113.${rng.int(1, 254)}`, userAgent: rng.pick(BROWSER_AGENTS) };
  const root = planEntry(entry, ctx, inbound);
  return { entry, root, spanCount: ctx.spanCount };
}

interface PlanContext {
  rng: Rng;
  scale: number;
  sticky: Map<string, string>;
  spanCount: number;
}

interface Inbound {
  clientAddress: string;
  userAgent: string;
}

/** A SERVER (or CONSUMER) span and everything under it. */
function planEntry(ep: EndpointDef, ctx: PlanContext, inbound: Inbound | undefined): PlannedSpan {
  const { rng } = ctx;
  const service = serviceOf(ep.service);
  ctx.spanCount++;
  const failure = rollFailure(ep.failures, rng);
  const path = ep.path ? render(ep.path, ctx) : '';
  const selfUs = sampleUs(ep.self, ctx);
  const lastStep = failure?.afterStep ?? ep.steps.length - 1;

  const children: PlannedSpan[] = [];
  let status = failure?.status ?? 200;
  let exception: ExceptionDef | undefined = failure?.exception;
  let cursor = Math.round(selfUs * 0.3);
  steps: for (let i = 0; i <= lastStep && i < ep.steps.length; i++) {
    const step = ep.steps[i];
    if (step.p !== undefined && !rng.chance(step.p)) continue;
    const failing = failure?.stepFailure && i === failure.afterStep ? failure : undefined;
    const times = 'repeat' in step && step.repeat ? rng.int(step.repeat[0], step.repeat[1]) : 1;
    for (let r = 0; r < times; r++) {
      cursor += times > 1 ? rng.int(30, 150) : rng.int(80, 400);
      const child = planStep(step, service, ctx, r === 0 ? failing : undefined);
      child.offsetUs = cursor;
      cursor += child.durationUs;
      children.push(child);
      const calleeStatus = 'call' in step ? statusOf(child.children[0]) : 0;
      if (calleeStatus >= 500) {
        status = (step as CallStep).onUpstreamError ?? 502;
        exception = upstreamException(child.children[0]);
        break steps;
      }
      if (failing) break steps;
    }
  }
  const durationUs = cursor + Math.round(selfUs * 0.7);

  const isError = ep.consumer ? exception !== undefined : status >= 500;
  const named = ep.consumer
    ? messagingConsumerSpan(ep, rng.int(0, ep.consumer.partitions - 1), rng.int(100_000, 9_000_000))
    : httpServerSpan(service.semconv, service, ep, {
        path,
        status,
        clientAddress: inbound?.clientAddress ?? '10.42.0.1',
        userAgent: inbound?.userAgent ?? 'undici',
      });
  const span: PlannedSpan = {
    service,
    name: named.name,
    kind: ep.consumer ? SpanKind.CONSUMER : SpanKind.SERVER,
    offsetUs: 0,
    durationUs,
    attributes: named.attributes,
    logs: [],
    remoteParent: false,
    record: { kind: 'entry', endpoint: ep, status, error: isError },
    children,
  };
  if (isError) {
    const ex = exception ?? { type: 'HttpError', message: `request failed with status ${status}`, frames: UPSTREAM_FRAMES };
    const offsetUs = Math.max(0, durationUs - rng.int(200, 2000));
    const stacktrace = [`${ex.type}: ${ex.message}`, ...ex.frames.map((f) => `    at ${f}`)].join('\n');
    span.error = { message: ex.message, exception: { type: ex.type, message: ex.message, stacktrace, offsetUs } };
    span.logs.push({
      severity: 'ERROR',
      body: `${named.name} failed: ${ex.type}: ${ex.message}`,
      offsetUs,
      attributes: {
        'exception.type': ex.type,
        'exception.message': ex.message,
        'exception.stacktrace': stacktrace,
        ...(ep.consumer ? { 'messaging.destination.name': ep.route } : { 'http.route': ep.route, 'http.response.status_code': status }),
      },
    });
  } else if (ep.consumer) {
    span.logs.push({
      severity: 'INFO',
      body: `processed ${ep.route} message in ${Math.round(durationUs / 1000)} ms`,
      offsetUs: durationUs,
      attributes: { 'messaging.destination.name': ep.route },
    });
  }
  return span;
}

function planStep(step: Step, caller: ServiceDef, ctx: PlanContext, failing: FailureDef | undefined): PlannedSpan {
  if ('call' in step) return planCall(step, caller, ctx);
  if ('db' in step) return planDb(step, caller, ctx, failing);
  if ('external' in step) return planExternal(step, caller, ctx, failing);
  return planInternal(step, caller, ctx);
}

/** CLIENT span in the caller with the callee's SERVER span as its only child. */
function planCall(step: CallStep, caller: ServiceDef, ctx: PlanContext): PlannedSpan {
  const { rng } = ctx;
  const ep = ENDPOINT_BY_KEY.get(step.call);
  if (!ep) throw new Error(`demo-traffic scenario: step calls unknown endpoint "${step.call}"`);
  ctx.spanCount++;
  const callee = serviceOf(ep.service);
  const callerIndex = SERVICES.indexOf(caller);
  const server = planEntry(ep, ctx, { clientAddress: `10.42.${callerIndex + 1}.${17 + callerIndex * 3}`, userAgent: 'undici' });
  const outbound = rng.int(300, 1500);
  server.offsetUs = outbound;
  server.remoteParent = true;
  const status = statusOf(server);
  const named = httpClientSpan(caller.semconv, {
    method: ep.method,
    host: callee.name,
    port: callee.port,
    path: pathOf(server),
    status,
  });
  return clientSpan(caller, named, outbound + server.durationUs + rng.int(300, 1500), {
    error: status >= 400 ? { message: `HTTP ${status} from ${callee.name}` } : undefined,
    children: [server],
  });
}

function planDb(step: DbStep, caller: ServiceDef, ctx: PlanContext, failing: FailureDef | undefined): PlannedSpan {
  const db = DB_INSTANCES[step.db];
  if (!db) throw new Error(`demo-traffic scenario: step uses unknown DB instance "${step.db}"`);
  ctx.spanCount++;
  const query = render(step.query, ctx);
  const durationUs = sampleUs(failing?.stepFailure ?? step.latency, ctx);
  const named = dbClientSpan(caller.semconv, db, step.operation, step.table, query);
  const span = clientSpan(caller, named, durationUs, {
    record: { kind: 'db', db, dbId: step.db, operation: step.operation, table: step.table, error: failing !== undefined },
  });
  if (failing) {
    const type = failing.exception?.type ?? 'DatabaseError';
    span.error = { message: failing.exception?.message ?? 'query failed' };
    if (caller.semconv === 'stable') span.attributes['error.type'] = type;
  } else if (durationUs >= SLOW_QUERY_MS * 1000) {
    span.logs.push({
      severity: 'WARN',
      body: `slow query (${Math.round(durationUs / 1000)} ms) on ${db.host}:${db.port}/${db.namespace}: ${query}`,
      offsetUs: durationUs,
      attributes: { 'db.system.name': db.system, 'db.namespace': db.namespace, 'server.address': db.host },
    });
  }
  return span;
}

function planExternal(step: ExternalStep, caller: ServiceDef, ctx: PlanContext, failing: FailureDef | undefined): PlannedSpan {
  ctx.spanCount++;
  const { host, port, method } = step.external;
  const durationUs = sampleUs(failing?.stepFailure ?? step.latency, ctx);
  const named = httpClientSpan(caller.semconv, {
    method,
    host,
    port,
    path: render(step.external.path, ctx),
    status: failing ? undefined : 200,
    errorType: failing ? (failing.exception?.type ?? 'Error') : undefined,
  });
  return clientSpan(caller, named, durationUs, { error: failing ? { message: failing.exception?.message ?? 'request failed' } : undefined });
}

/** The caller's side of a call, db query or request: starts with its parent; `rest` sets what differs. */
function clientSpan(caller: ServiceDef, named: NamedAttributes, durationUs: number, rest: Partial<PlannedSpan> = {}): PlannedSpan {
  return {
    service: caller,
    name: named.name,
    kind: SpanKind.CLIENT,
    offsetUs: 0,
    durationUs,
    attributes: named.attributes,
    logs: [],
    remoteParent: false,
    record: { kind: 'other' },
    children: [],
    ...rest,
  };
}

function planInternal(step: InternalStep, caller: ServiceDef, ctx: PlanContext): PlannedSpan {
  ctx.spanCount++;
  return {
    service: caller,
    name: step.internal,
    kind: SpanKind.INTERNAL,
    offsetUs: 0,
    durationUs: sampleUs(step.latency, ctx),
    attributes: {},
    logs: [],
    remoteParent: false,
    record: { kind: 'other' },
    children: [],
  };
}

function serviceOf(name: string): ServiceDef {
  const service = SERVICE_BY_NAME.get(name);
  if (!service) throw new Error(`demo-traffic scenario: endpoint belongs to unknown service "${name}"`);
  return service;
}

function statusOf(span: PlannedSpan | undefined): number {
  return span?.record.kind === 'entry' ? span.record.status : 0;
}

function pathOf(server: PlannedSpan): string {
  const a = server.attributes;
  if (typeof a['http.target'] === 'string') return a['http.target'];
  const query = typeof a['url.query'] === 'string' ? `?${a['url.query']}` : '';
  return `${String(a['url.path'] ?? '/')}${query}`;
}

function upstreamException(server: PlannedSpan): ExceptionDef {
  const ep = server.record.kind === 'entry' ? server.record.endpoint : undefined;
  const status = statusOf(server);
  return {
    type: 'UpstreamError',
    message: `${server.service.name} answered ${status} to ${ep ? `${ep.method} ${ep.route}` : server.name}`,
    frames: UPSTREAM_FRAMES,
  };
}

function rollFailure(failures: readonly FailureDef[] | undefined, rng: Rng): FailureDef | undefined {
  if (!failures?.length) return undefined;
  let roll = rng.next();
  for (const f of failures) {
    roll -= f.p;
    if (roll < 0) return f;
  }
  return undefined;
}

function sampleUs(latency: Latency, ctx: PlanContext): number {
  const { rng } = ctx;
  let ms =
    latency.tail && rng.chance(latency.tail.p)
      ? latency.tail.minMs + rng.next() * (latency.tail.maxMs - latency.tail.minMs)
      : rng.logNormal(latency.medianMs, latency.sigma) * ctx.scale;
  if (latency.minMs !== undefined) ms = Math.max(latency.minMs, ms);
  if (latency.maxMs !== undefined) ms = Math.min(latency.maxMs, ms);
  return Math.max(1, Math.round(ms * 1000));
}

// ── template tokens ──

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2025, 0, 1);
const sku = (rng: Rng): string => `SKU-${String(rng.int(1, 99_999)).padStart(5, '0')}`;

const STICKY_TOKENS: Record<string, (rng: Rng) => string> = {
  customerId: (rng) => String(rng.int(1, 50_000)),
  orderId: (rng) => String(rng.int(1_000_000, 9_999_999)),
  productId: (rng) => String(rng.int(1, 20_000)),
  sku,
  qty: (rng) => String(rng.int(1, 5)),
  total: (rng) => String(rng.int(500, 250_000)),
  day: (rng) => new Date(FIRST_DAY + rng.int(0, 364) * DAY_MS).toISOString().slice(0, 10),
  reportKey: (rng) => `${rng.hex(8)}-${rng.hex(4)}`,
};
const FRESH_TOKENS: Record<string, (rng: Rng) => string> = {
  id: (rng) => String(rng.int(1_000_000, 9_999_999)),
  cents: (rng) => String(rng.int(500, 250_000)),
  hex: (rng) => rng.hex(16),
  itemSku: sku,
  itemQty: (rng) => String(rng.int(1, 3)),
  skuList: (rng) => Array.from({ length: rng.int(2, 8) }, () => `'${sku(rng)}'`).join(', '),
};

function render(template: string, ctx: PlanContext): string {
  return template.replace(/\{(\w+)\}/g, (_m, token: string) => {
    const fresh = FRESH_TOKENS[token];
    if (fresh) return fresh(ctx.rng);
    const sticky = STICKY_TOKENS[token];
    if (!sticky) throw new Error(`demo-traffic scenario: unknown template token {${token}} in "${template}"`);
    let value = ctx.sticky.get(token);
    if (value === undefined) {
      value = sticky(ctx.rng);
      ctx.sticky.set(token, value);
    }
    return value;
  });
}
