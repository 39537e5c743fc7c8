// Demo traffic: planned transactions from the scenario table, emitted through the real
// OpenTelemetry SDK to a Meridian intake over OTLP/HTTP protobuf. Live mode keeps a steady rate
// with transactions ending "now" so the hitmap fills in real time; the burst is a one-shot,
// seeded variant for tests.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { emitTransaction, type EmitTarget } from './emit';
import { createServiceMetrics, type ServiceMetrics } from './metrics';
import { pickEntry, planTransaction } from './plan';
import { createRng } from './prng';
import { SERVICES } from './scenarios';
import { createTelemetryPipeline, type Signal, type TelemetryPipeline } from './telemetry';

export interface DemoTrafficOptions {
  /** OTLP/HTTP base URL, e.g. 'http://127.0.0.1:4318'; exporters post to `${url}/v1/traces` etc. */
  otlpHttpUrl: string;
  /** sent as `authorization: Bearer <key>` */
  ingestKey: string;
  /** default 20, spread over the services by the scenario table's entry weights */
  transactionsPerSecond?: number;
  log?: (msg: string) => void;
  /** per export request, retries included; default 10 000 */
  exportTimeoutMillis?: number;
  /** metric export interval; default 5 000 */
  metricExportIntervalMillis?: number;
}

export interface DemoTrafficStats {
  transactions: number;
  spans: number;
  exportErrors: number;
}

export interface DemoTraffic {
  stop(): Promise<void>;
  /** counts so far, for tests and the start banner */
  stats(): DemoTrafficStats;
}

export interface DemoBurstResult {
  spans: number;
  /** trace id of each transaction, in emission order */
  traceIds: string[];
  exportErrors: number;
}

const TICK_MS = 100;
const ERROR_LOG_INTERVAL_MS = 30_000;
const LOAD_WAVE_PERIOD_MS = 10 * 60_000;

export function startDemoTraffic(opts: DemoTrafficOptions): DemoTraffic {
  const settings = resolveOptions(opts);
  const session = openSession(settings);
  const rng = createRng(Date.now() % 0xffffffff);
  let transactions = 0;
  let spans = 0;
  let budget = 0;
  let last = Date.now();
  let tickFailureLogged = false;

  const timer = setInterval(() => {
    const now = Date.now();
    const elapsed = Math.max(0, now - last);
    last = now;
    // Catch up on a late tick, but never with more than two seconds' worth at once.
    budget = Math.min(budget + (settings.transactionsPerSecond * elapsed) / 1000, settings.transactionsPerSecond * 2 + 1);
    try {
      while (budget >= 1) {
        budget -= 1;
        const tx = planTransaction(pickEntry(rng), rng, { latencyScale: loadWave(now) });
        const endUs = (now - rng.int(0, Math.min(elapsed, 1000))) * 1000 + rng.int(0, 999);
        emitTransaction(tx, endUs, session.target);
        transactions++;
        spans += tx.spanCount;
      }
    } catch (error) {
      if (!tickFailureLogged) {
        tickFailureLogged = true;
        settings.log(`demo-traffic: generating a transaction failed, skipping it: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }, TICK_MS);
  timer.unref();

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      if (!stopping) {
        clearInterval(timer);
        stopping = session.telemetry.shutdown();
      }
      return stopping;
    },
    stats: () => ({ transactions, spans, exportErrors: session.exportErrors() }),
  };
}

/** One-shot, deterministic variant for tests: emits `transactions` transactions and flushes. */
export async function emitDemoBurst(opts: DemoTrafficOptions & { transactions: number; seed?: number }): Promise<DemoBurstResult> {
  const settings = resolveOptions(opts);
  if (!Number.isInteger(opts.transactions) || opts.transactions < 0) {
    throw new Error(`demo-traffic: transactions must be a non-negative integer, got ${opts.transactions}`);
  }
  const session = openSession(settings);
  const rng = createRng(opts.seed ?? 1);
  const nowUs = Date.now() * 1000;
  const traceIds: string[] = [];
  let spans = 0;
  try {
    for (let i = 0; i < opts.transactions; i++) {
      const tx = planTransaction(pickEntry(rng), rng);
      traceIds.push(emitTransaction(tx, nowUs - rng.int(0, 999_999), session.target));
      spans += tx.spanCount;
      // Let the batch processors start exporting while a large burst is still being generated.
      if (i % 25 === 24) await nextTurn();
    }
  } finally {
    await session.telemetry.shutdown();
  }
  return { spans, traceIds, exportErrors: session.exportErrors() };
}

interface Settings {
  otlpHttpUrl: string;
  ingestKey: string;
  transactionsPerSecond: number;
  exportTimeoutMillis: number;
  metricExportIntervalMillis: number;
  log: (msg: string) => void;
}

function resolveOptions(opts: DemoTrafficOptions): Settings {
  let url: URL;
  try {
    url = new URL(opts.otlpHttpUrl);
  } catch {
    throw new Error(`demo-traffic: otlpHttpUrl "${opts.otlpHttpUrl}" is not an absolute URL; use e.g. http://127.0.0.1:4318`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`demo-traffic: otlpHttpUrl must be http:// or https://, got "${opts.otlpHttpUrl}"`);
  }
  if (!opts.ingestKey) throw new Error('demo-traffic: ingestKey is empty; pass an ingest key of the demo tenant');
  const tps = opts.transactionsPerSecond ?? 20;
  if (!Number.isFinite(tps) || tps < 0) {
    throw new Error(`demo-traffic: transactionsPerSecond must be a number >= 0, got ${opts.transactionsPerSecond}`);
  }
  const exportTimeoutMillis = opts.exportTimeoutMillis ?? 10_000;
  const metricExportIntervalMillis = opts.metricExportIntervalMillis ?? 5_000;
  for (const [name, value] of [
    ['exportTimeoutMillis', exportTimeoutMillis],
    ['metricExportIntervalMillis', metricExportIntervalMillis],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`demo-traffic: ${name} must be a positive number, got ${value}`);
  }
  return {
    otlpHttpUrl: opts.otlpHttpUrl.replace(/\/+$/, ''),
    ingestKey: opts.ingestKey,
    transactionsPerSecond: tps,
    exportTimeoutMillis,
    metricExportIntervalMillis,
    log: opts.log ?? ((msg) => console.warn(msg)),
  };
}

interface Session {
  telemetry: TelemetryPipeline;
  target: EmitTarget;
  exportErrors(): number;
}

function openSession(settings: Settings): Session {
  let exportErrors = 0;
  let lastLoggedAt = -Infinity;
  const onExportError = (signal: Signal, error: Error | undefined): void => {
    exportErrors++;
    const now = Date.now();
    if (now - lastLoggedAt < ERROR_LOG_INTERVAL_MS) return;
    lastLoggedAt = now;
    settings.log(
      `demo-traffic: exporting ${signal} to ${settings.otlpHttpUrl} failed (${exportErrors} failed export(s) so far; ` +
        `next report in 30 s at the earliest): ${error?.message ?? 'unknown error'}. Is the intake up and the ingest key valid?`,
    );
  };
  const telemetry = createTelemetryPipeline(SERVICES, {
    otlpHttpUrl: settings.otlpHttpUrl,
    ingestKey: settings.ingestKey,
    exportTimeoutMillis: settings.exportTimeoutMillis,
    metricExportIntervalMillis: settings.metricExportIntervalMillis,
    onExportError,
  });
  const metrics = new Map<string, ServiceMetrics>(SERVICES.map((s) => [s.name, createServiceMetrics(telemetry.forService(s.name).meter, s)]));
  return { telemetry, target: { telemetry, metrics }, exportErrors: () => exportErrors };
}

/** Latencies swell by up to 35 % for half of every ten minutes, so the live hitmap breathes. */
function loadWave(nowMs: number): number {
  return 1 + 0.35 * Math.max(0, Math.sin((2 * Math.PI * nowMs) / LOAD_WAVE_PERIOD_MS));
}
