// Sends the demo cluster's readings to an intake every interval through the OpenTelemetry JS
// SDK's OTLP exporter, one resource per node, pod, container, workload and namespace, as the
// Collector's receivers do.

import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { demoCluster } from './cluster';
import { DemoKubernetesMetrics } from './k8s-metrics';

export interface DemoKubernetesOptions {
  /** base URL without the /v1/… suffix */
  otlpHttpUrl: string;
  ingestKey: string;
  /** default 15 000 ms */
  intervalMs?: number;
  log?: (msg: string) => void;
}

export interface DemoKubernetes {
  /** What the cluster holds, for the start banner. */
  readonly summary: string;
  stop(): Promise<void>;
}

/** Requests in flight at once: a reading is ~50 small requests, sent as a short burst. */
const EXPORT_CONCURRENCY = 4;

export function startDemoKubernetes(opts: DemoKubernetesOptions): DemoKubernetes {
  const cluster = demoCluster();
  const metrics = new DemoKubernetesMetrics(cluster, Date.now());
  const exporter = new OTLPMetricExporter({
    url: `${opts.otlpHttpUrl.replace(/\/+$/, '')}/v1/metrics`,
    headers: { authorization: `Bearer ${opts.ingestKey}` },
    timeoutMillis: 10_000,
  });
  const log = opts.log ?? (() => undefined);
  let lastProblem: string | undefined;
  const exportOne = (rm: ResourceMetrics) =>
    new Promise<string | undefined>((resolve) =>
      exporter.export(rm, (r) => resolve(r.code === ExportResultCode.SUCCESS ? undefined : (r.error?.message ?? 'unknown error'))),
    );
  let sending: Promise<void> | undefined;
  const tick = () => {
    sending ??= (async () => {
      const batch = metrics.read(Date.now());
      let problem: string | undefined;
      for (let i = 0; i < batch.length; i += EXPORT_CONCURRENCY)
        problem ??= (await Promise.all(batch.slice(i, i + EXPORT_CONCURRENCY).map(exportOne))).find((p) => p !== undefined);
      // Logged when it starts or changes, not on every interval while the intake is away.
      if (problem && problem !== lastProblem) log(`export failed: ${problem}`);
      lastProblem = problem;
    })().finally(() => (sending = undefined));
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs ?? 15_000);
  timer.unref();
  const containers = cluster.pods.reduce((a, p) => a + p.workload.containers.length, 0);
  return {
    summary: `cluster "${cluster.name}": ${cluster.nodes.length} nodes, ${cluster.namespaces.length} namespaces, ${cluster.workloads.length} workloads, ${cluster.pods.length} pods, ${containers} containers`,
    async stop() {
      clearInterval(timer);
      await sending;
      await exporter.shutdown();
    },
  };
}
