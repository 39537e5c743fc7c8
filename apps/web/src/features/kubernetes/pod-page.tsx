'use client';

import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useMemo, useRef } from 'react';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { ApiError, useApiQuery, type Output } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { useChartColors } from '../../lib/theme';
import styles from './kubernetes.module.css';
import { kubernetesMessages } from './messages';
import { podRestartsRuleHref } from './pod-alert';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const REFRESH_MS = 15_000;
const SPANS = ['15m', '1h', '6h', '24h'] as const;
type Span = (typeof SPANS)[number];
const DEFAULT_SPAN: Span = '1h';
const MIB = 1024 * 1024;
type Detail = Output<'kubernetesPod'>;
interface ChartLine {
  name: string;
  points: Array<[number, number | null]>;
  dashed?: boolean;
}

/** `/kubernetes/pod?cluster=…&namespace=…&pod=…`: a pod's containers over time and the services that ran on it. */
export function PodPage() {
  const t = useMessages(kubernetesMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const cluster = search.get('cluster') ?? '';
  const namespace = search.get('namespace') ?? '';
  const pod = search.get('pod') ?? '';
  const span = (SPANS as readonly string[]).includes(search.get('last') ?? '') ? (search.get('last') as Span) : DEFAULT_SPAN;
  const detail = useApiQuery(
    'kubernetesPod',
    { params: { tenant: tenant.slug }, query: { cluster, namespace, pod, last: span } },
    { enabled: namespace !== '' && pod !== '', refetchInterval: REFRESH_MS },
  );
  const setSpan = (s: Span) =>
    router.replace(tenantHref('/kubernetes/pod', tenant.slug, { cluster, namespace, pod, last: s === DEFAULT_SPAN ? undefined : s }), { scroll: false });
  const charts = useMemo(() => (detail.data ? chartLines(detail.data, t) : null), [detail.data, t]);
  const back = (
    <Link href={tenantHref('/kubernetes', tenant.slug, { cluster, namespace })} className="hint">
      {t.back}
    </Link>
  );

  if (namespace === '' || pod === '') {
    return (
      <div className="stack">
        {back}
        <Empty title={t.podMissing} />
      </div>
    );
  }
  if (detail.isPending) return <Loading label={t.loading} />;
  if (detail.error) {
    return (
      <div className="stack">
        {back}
        {detail.error instanceof ApiError && detail.error.status === 404 ? (
          <Empty title={t.podMissing} />
        ) : (
          <ErrorNotice error={detail.error} title={t.failed} onRetry={() => void detail.refetch()} />
        )}
      </div>
    );
  }
  const d = detail.data;
  const p = d.pod;
  return (
    <div className="stack" data-testid="k8s-pod">
      {back}
      <div className="page-head">
        <div>
          <h1>{p.name}</h1>
          <p className="hint">
            {p.cluster || t.unnamedCluster} · {p.namespace} · {p.workload}
            {p.workloadKind && ` (${p.workloadKind})`} · {t.node} {p.node || '–'} · {t.phase} {p.phase ?? '–'}
          </p>
        </div>
        <div className={styles.controls}>
          <select className="input" value={span} onChange={(e) => setSpan(e.target.value as Span)} aria-label={t.window}>
            {SPANS.map((s) => (
              <option key={s} value={s}>
                {t.spanLabel(s)}
              </option>
            ))}
          </select>
          <Link className="btn btn-small" href={podRestartsRuleHref(tenant.slug, p)} data-testid="k8s-alert">
            {t.alertOnThis}
          </Link>
        </div>
      </div>
      {p.demo && (
        <p className="notice notice-info" data-testid="k8s-demo-notice">
          {t.demoNotice}
        </p>
      )}
      {charts && (
        <div className={styles.charts}>
          <SeriesChart title={t.cpuChart} lines={charts.cpu} range={charts.range} fmt={fmt} testId="k8s-chart-cpu" />
          <SeriesChart title={t.memoryChart} lines={charts.memory} range={charts.range} fmt={fmt} testId="k8s-chart-memory" />
          <SeriesChart title={t.restartsChart} lines={charts.restarts} range={charts.range} fmt={fmt} testId="k8s-chart-restarts" />
          <SeriesChart title={t.readyChart} lines={charts.ready} range={charts.range} fmt={fmt} testId="k8s-chart-ready" />
        </div>
      )}
      <section className="card" data-testid="k8s-services">
        <h2>{t.services}</h2>
        <p className="hint">{t.servicesHelp}</p>
        {d.services.length === 0 ? (
          <p>{t.noServices}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t.service}</th>
                <th>{t.spans}</th>
                <th>{t.via}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {d.services.map((s) => (
                <tr key={s.service} data-service={s.service}>
                  <td>{s.service}</td>
                  <td>{fmt.number(s.spans)}</td>
                  <td>
                    <code>{s.via}</code>
                  </td>
                  <td>
                    <Link href={tenantHref('/hitmap', tenant.slug, { service: s.service })} data-testid="k8s-service-hitmap">
                      {t.openHitmap}
                    </Link>{' '}
                    ·{' '}
                    <Link
                      href={tenantHref('/traces', tenant.slug, {
                        service: s.service,
                        resourceAttrs: `${s.via}=${p.name}`,
                        last: span === '1h' ? undefined : span,
                      })}
                      data-testid="k8s-service-traces"
                    >
                      {t.openTraces}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/** Lines per container (and its limit, dashed) for each chart; memory in MiB. */
function chartLines(d: Detail, t: typeof kubernetesMessages.en) {
  const line = (name: string, values: Array<number | null>, scale = 1, dashed = false): ChartLine => ({
    name,
    dashed,
    points: d.times.map((time, i) => [time, values[i] === null ? null : values[i]! / scale]),
  });
  const flat = (v: number | null) => d.times.map(() => v);
  return {
    cpu: d.containers.flatMap((c) => [line(c.name, c.cpu), ...(c.cpuLimit === null ? [] : [line(t.limit(c.name), flat(c.cpuLimit), 1, true)])]),
    memory: d.containers.flatMap((c) => [
      line(c.name, c.memory, MIB),
      ...(c.memoryLimit === null ? [] : [line(t.limit(c.name), flat(c.memoryLimit), MIB, true)]),
    ]),
    restarts: d.containers.map((c) => line(c.name, c.restarts)),
    ready: d.containers.map((c) => line(c.name, c.ready)),
    range: [Date.parse(d.from), Date.parse(d.to)] as [number, number],
  };
}

/** A small time-series chart (echarts) of the pod's per-step points. */
function SeriesChart({ title, lines, range, fmt, testId }: { title: string; lines: ChartLine[]; range: [number, number]; fmt: Formatter; testId: string }) {
  const box = useRef<HTMLDivElement>(null);
  const colors = useChartColors();
  useEffect(() => {
    if (!box.current) return;
    const chart = echarts.init(box.current);
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(box.current);
    const axis = { axisLine: { lineStyle: { color: colors.line } }, axisLabel: { color: colors.muted }, splitLine: { lineStyle: { color: colors.grid } } };
    chart.setOption({
      animation: false,
      color: colors.series,
      textStyle: { color: colors.text },
      grid: { left: 48, right: 12, top: 28, bottom: 24 },
      legend: { top: 0, type: 'scroll', textStyle: { fontSize: 11, color: colors.text } },
      tooltip: {
        trigger: 'axis',
        backgroundColor: colors.panel,
        borderColor: colors.line,
        textStyle: { color: colors.text },
        valueFormatter: (v: unknown) => (typeof v === 'number' ? fmt.number(v, 3) : '–'),
      },
      xAxis: {
        type: 'time',
        min: range[0],
        max: range[1],
        ...axis,
        axisLabel: { ...axis.axisLabel, hideOverlap: true, formatter: (v: number) => fmt.time(v).slice(0, 5) },
      },
      yAxis: { type: 'value', ...axis },
      series: lines.map((l) => ({
        name: l.name,
        type: 'line',
        showSymbol: l.points.filter((p) => p[1] !== null).length < 3,
        connectNulls: false,
        lineStyle: l.dashed ? { type: 'dashed', width: 1 } : undefined,
        data: l.points,
      })),
    });
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [lines, range, fmt, colors]);
  return (
    <div className="card">
      <h3 className="hint">{title}</h3>
      <div ref={box} className={styles.chart} data-testid={testId} data-lines={lines.map((l) => l.name).join('|')} />
    </div>
  );
}
