import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { snapshotToResourceMetrics } from './metrics';
import { MysqlProbe } from './mysql-probe';
import { PostgresProbe } from './postgres-probe';
import { type DbSnapshot, downSnapshot } from './snapshot';
import { type DbTarget, type DbTargetConfig, parseTarget } from './targets';

export interface DbCollectorOptions {
  /** OTLP/HTTP base URL of an intake, e.g. http://127.0.0.1:4318 */
  otlpUrl: string;
  /** Ingest key of the tenant the metrics belong to. */
  ingestKey: string;
  /** Poll (and export) interval; default 5 000 ms. */
  intervalMs?: number;
  targets: readonly DbTargetConfig[];
  log?: (msg: string) => void;
}

interface Monitored {
  target: DbTarget;
  probe: PostgresProbe | MysqlProbe;
  startMs: number;
  /** Last problem logged, so a persistent one is logged once, not every poll. */
  lastProblem?: string;
}

/**
 * The collector role's work: every interval, read each target and export what it found as OTLP
 * metrics (the OpenTelemetry JS SDK's protobuf exporter) to an intake with an ingest key. A
 * target that cannot be read is reported as `meridian.db.up = 0`, so the honeycomb shows it down
 * instead of silently missing.
 */
export class DbCollector {
  private readonly monitored: Monitored[] = [];
  private readonly exporter: OTLPMetricExporter;
  private readonly intervalMs: number;
  private readonly log: (msg: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<unknown> | undefined;
  private lastExportProblem: string | undefined;

  constructor(opts: DbCollectorOptions) {
    if (!opts.ingestKey) throw new Error('db collector: no ingest key; set MERIDIAN_COLLECTOR_INGEST_KEY (an ingest key of the tenant the metrics belong to)');
    this.intervalMs = opts.intervalMs ?? 5_000;
    this.log = opts.log ?? ((m) => console.warn(m));
    this.exporter = new OTLPMetricExporter({
      url: `${opts.otlpUrl.replace(/\/+$/, '')}/v1/metrics`,
      headers: { authorization: `Bearer ${opts.ingestKey}` },
      timeoutMillis: 10_000,
    });
    this.addTargets(opts.targets);
  }

  /** Monitors more instances (the demo adds its databases once they are up). */
  addTargets(targets: readonly DbTargetConfig[]): void {
    for (const t of targets) {
      const target = parseTarget(t);
      if (this.monitored.some((m) => m.target.instance === target.instance && m.target.database === target.database)) continue;
      const probe = target.kind === 'postgresql' ? new PostgresProbe(target) : new MysqlProbe(target);
      this.monitored.push({ target, probe, startMs: Date.now() });
    }
  }

  /** Instances being monitored, credentials redacted. */
  targets(): Array<Omit<DbTarget, 'url'>> {
    return this.monitored.map(({ target: { url: _url, ...rest } }) => rest);
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.polling ??= this.pollOnce()
        .catch((e) => this.log(`db collector: poll failed: ${(e as Error).message}`))
        .finally(() => (this.polling = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    await Promise.all(this.monitored.map((m) => m.probe.close()));
    await this.exporter.shutdown();
  }

  /** Reads every target once and exports the result; resolves with what was read. */
  async pollOnce(): Promise<DbSnapshot[]> {
    const snapshots = await Promise.all(this.monitored.map((m) => this.read(m)));
    await Promise.all(snapshots.map((s, i) => this.export(snapshotToResourceMetrics(s, this.monitored[i].startMs))));
    return snapshots;
  }

  private async read(m: Monitored): Promise<DbSnapshot> {
    try {
      const s = await m.probe.read();
      this.report(m, s.statementsUnavailable ? `${m.target.name}: no server-side statement statistics: ${s.statementsUnavailable}` : undefined);
      return s;
    } catch (e) {
      const error = (e as Error).message || String(e);
      this.report(m, `${m.target.name} (${m.target.redactedUrl}) cannot be read: ${error}`);
      return downSnapshot(m.target, m.target.kind, error);
    }
  }

  private report(m: Monitored, problem: string | undefined): void {
    if (problem && problem !== m.lastProblem) this.log(`db collector: ${problem}`);
    m.lastProblem = problem;
  }

  private export(rm: ResourceMetrics): Promise<void> {
    return new Promise((resolve) => {
      this.exporter.export(rm, (result) => {
        const problem = result.code === ExportResultCode.SUCCESS ? undefined : `export to intake failed: ${result.error?.message ?? 'unknown error'}`;
        // Logged when it starts (or changes), not on every poll while the intake is away.
        if (problem && problem !== this.lastExportProblem) this.log(`db collector: ${problem}`);
        this.lastExportProblem = problem;
        resolve();
      });
    });
  }
}
