'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { TimeSeriesChart, type SeriesLine } from '../../components/time-series-chart';
import { ApiError, useApiQuery, type Output } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import styles from './kubernetes.module.css';
import { kubernetesMessages } from './messages';
import { podRestartsRuleHref } from './pod-alert';

const REFRESH_MS = 15_000;
const SPANS = ['15m', '1h', '6h', '24h'] as const;
type Span = (typeof SPANS)[number];
const DEFAULT_SPAN: Span = '1h';
const MIB = 1024 * 1024;
type Detail = Output<'kubernetesPod'>;

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
          {(
            [
              [t.cpuChart, charts.cpu, 'cpu'],
              [t.memoryChart, charts.memory, 'memory'],
              [t.restartsChart, charts.restarts, 'restarts'],
              [t.readyChart, charts.ready, 'ready'],
            ] as const
          ).map(([title, lines, id]) => (
            <TimeSeriesChart
              key={id}
              title={title}
              lines={lines}
              range={charts.range}
              fmt={fmt}
              format={(v) => fmt.number(v, 3)}
              testId={`k8s-chart-${id}`}
              className={styles.chart}
            />
          ))}
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
  const line = (name: string, values: Array<number | null>, scale = 1, dashed = false): SeriesLine => ({
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
