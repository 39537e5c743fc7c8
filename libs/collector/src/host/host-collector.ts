import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { hostResourceMetrics } from './host-metrics';
import { HostReader, type HostSnapshot } from './host-reader';

/** The `collector.host` section of the configuration. */
export interface HostSourceConfig {
  enabled: boolean;
  intervalMs: number;
  /** At most this many processes get process.* metrics per reading. */
  topProcesses: number;
}

export interface HostCollectorOptions extends Omit<HostSourceConfig, 'enabled'> {
  /** OTLP/HTTP base URL of an intake, e.g. http://127.0.0.1:4318 */
  otlpUrl: string;
  /** Ingest key of the tenant the host's metrics belong to. */
  ingestKey: string;
  /** Where /proc, /sys and /etc are (tests); default `/`. */
  root?: string;
  log?: (msg: string) => void;
}

/** Requests in flight at once: one per process resource, so a reading is a short burst, not a flood. */
const EXPORT_CONCURRENCY = 4;
/** How long stop() waits for the reading in progress and its exports (each may take the exporter's 10 s timeout). */
const STOP_WAIT_MS = 5_000;

/**
 * The collector role's `host` source: every interval, reads this machine (HostReader) and sends
 * what it found through the OpenTelemetry JS SDK's OTLP exporter, shaped as the Collector's
 * hostmetrics receiver sends it: one resource for the host, one per chosen process.
 */
export class HostCollector {
  private readonly reader: HostReader;
  private readonly exporter: OTLPMetricExporter;
  private readonly log: (msg: string) => void;
  private previous: HostSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<unknown> | undefined;
  private lastProblem: string | undefined;

  constructor(private readonly opts: HostCollectorOptions) {
    this.reader = new HostReader({ root: opts.root, topProcesses: opts.topProcesses });
    this.log = opts.log ?? ((m) => console.warn(m));
    this.exporter = new OTLPMetricExporter({
      url: `${opts.otlpUrl.replace(/\/+$/, '')}/v1/metrics`,
      headers: { authorization: `Bearer ${opts.ingestKey}` },
      timeoutMillis: 10_000,
    });
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.polling ??= this.pollOnce()
        .catch((e) => this.report(`reading failed: ${(e as Error).message}`))
        .finally(() => (this.polling = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs);
    this.timer.unref();
  }

  /**
   * Stops reading; the reading in progress may finish its exports for at most STOP_WAIT_MS (an
   * intake that does not answer must not hold up the shutdown), and what is left is dropped.
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.resolve(this.polling)
        .then(() => this.exporter.shutdown())
        .then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (!finished) this.log(`host metrics: stopped with the last reading still being exported after ${STOP_WAIT_MS} ms; it is dropped`);
  }

  /** Reads the host once and exports it; resolves with what was sent. */
  async pollOnce(): Promise<ResourceMetrics[]> {
    const now = await this.reader.read(this.previous);
    const batch = hostResourceMetrics(now, this.previous);
    this.previous = now;
    const failures: string[] = [];
    for (let i = 0; i < batch.length; i += EXPORT_CONCURRENCY) {
      failures.push(...(await Promise.all(batch.slice(i, i + EXPORT_CONCURRENCY).map((rm) => this.export(rm)))).filter((f): f is string => !!f));
    }
    this.report(failures[0] && `export to intake failed: ${failures[0]}`);
    return batch;
  }

  /** Logged when a problem starts or changes, not on every reading while the intake is away. */
  private report(problem: string | undefined): void {
    if (problem && problem !== this.lastProblem) this.log(`host metrics: ${problem}`);
    this.lastProblem = problem;
  }

  private export(rm: ResourceMetrics): Promise<string | undefined> {
    return new Promise((resolve) =>
      this.exporter.export(rm, (result) => resolve(result.code === ExportResultCode.SUCCESS ? undefined : (result.error?.message ?? 'unknown error'))),
    );
  }
}
