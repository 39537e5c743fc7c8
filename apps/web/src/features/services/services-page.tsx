'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { Fragment, useMemo } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { NoDataYet } from '../../components/no-data-yet';
import { QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { DEFAULT_SPAN, SPAN_PRESETS, viewParams } from '../hitmap/view';
import { servicesMessages } from './messages';
import { apdexRating, groupByService, sumSeries } from './service-groups';
import styles from './services.module.css';
import { densePoints, sparklinePath, type SeriesPoint } from './sparkline';

const WINDOWS = ['15m', '1h', '6h', '24h', '7d'] as const;
const DEFAULT_WINDOW = '1h';
const REFRESH_MS = 30_000;
type Messages = (typeof servicesMessages)['en'];

/** RED per service and endpoint over a window, with sparklines, each row opening the hitmap filtered to it. */
export function ServicesPage() {
  const t = useMessages(servicesMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const requested = useSearchParams().get('last');
  const last = (WINDOWS as readonly string[]).includes(requested ?? '') ? requested! : DEFAULT_WINDOW;
  const input = { params: { tenant: tenant.slug }, query: { last } };
  const services = useApiQuery('services', input, { refetchInterval: REFRESH_MS });
  const series = useApiQuery('serviceSeries', input, { refetchInterval: REFRESH_MS });
  const groups = useMemo(() => groupByService(services.data?.serviceTotals ?? [], services.data?.services ?? []), [services.data]);
  const dense = useMemo(() => {
    const map = new Map<string, SeriesPoint[]>();
    const d = series.data;
    if (!d) return map;
    const from = Date.parse(d.from);
    const to = Date.parse(d.to);
    for (const s of d.series) map.set(`${s.service}\u0000${s.endpoint}`, densePoints(s.points, from, to, d.stepSeconds * 1000));
    return map;
  }, [series.data]);
  const stepMinutes = (series.data?.stepSeconds ?? 60) / 60;
  // What every sparkline spans: its first and last whole bucket.
  const anyPoints = dense.values().next().value;
  const span = anyPoints?.length
    ? t.trendSpan(fmt.time(anyPoints[0].t), fmt.time(anyPoints[anyPoints.length - 1].t + stepMinutes * 60_000), fmt.period(stepMinutes * 60))
    : '';
  const empty = services.data?.services.length === 0;
  const usage = useApiQuery('usage', { params: { tenant: tenant.slug } }, { enabled: empty, staleTime: 30_000 });
  // The hitmap keeps its own (shorter) windows: the same length when it has it, else its default.
  const hitmapSpan = (SPAN_PRESETS as readonly string[]).includes(last) ? last : DEFAULT_SPAN;
  const hitmapHref = (service: string, endpoint?: string) =>
    tenantHref('/hitmap', tenant.slug, viewParams({ window: { live: true, span: hitmapSpan }, service, endpoint }));

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.title}</h1>
          <p className="hint">{t.intro}</p>
        </div>
        <ChoiceButtons
          joined
          label={t.window}
          choices={WINDOWS}
          value={last}
          onPick={(w) => router.replace(tenantHref('/services', tenant.slug, { last: w === DEFAULT_WINDOW ? undefined : w }))}
          text={t.spanLabel}
        />
      </div>
      <QueryState query={services} loadingLabel={t.loading} failedTitle={t.failed}>
        {() =>
          empty ? (
            usage.data?.spans === 0 ? (
              <NoDataYet what={t.noData} />
            ) : (
              <div className="state state-empty">
                <strong>{t.emptyWindow}</strong>
                <span>{t.emptyWindowHelp}</span>
              </div>
            )
          ) : (
            <table className={`table ${styles.table}`} data-testid="services-table">
              <thead>
                <tr>
                  <th>{t.colName}</th>
                  <th className={styles.num}>{t.colThroughput}</th>
                  <th className={styles.num}>{t.colErrorRate}</th>
                  <th className={styles.num}>{t.colP50}</th>
                  <th className={styles.num}>{t.colP95}</th>
                  <th className={styles.num}>{t.colP99}</th>
                  <th className={styles.num}>{t.colApdex}</th>
                  <th>{t.colTrend}</th>
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => {
                  const endpointSeries = g.endpoints
                    .map((e) => dense.get(`${e.service}\u0000${e.endpoint}`))
                    .filter((s): s is SeriesPoint[] => s !== undefined);
                  return (
                    <Fragment key={g.service}>
                      <tr className={styles.serviceRow}>
                        <td>
                          <Link href={hitmapHref(g.service)} title={t.openHitmap(g.service)} className={styles.service}>
                            {g.service}
                          </Link>{' '}
                          <span className="hint">{t.endpoints(g.endpoints.length)}</span>
                        </td>
                        <td className={styles.num} title={t.transactions(fmt.number(g.count))}>
                          {t.perMin(rate(fmt, g.throughputPerMin))}
                        </td>
                        <td className={`${styles.num} ${g.errors ? styles.bad : ''}`}>{fmt.percent(g.errorRate)}</td>
                        <td className={styles.num}>{fmt.duration(g.p50Ms)}</td>
                        <td className={styles.num}>{fmt.duration(g.p95Ms)}</td>
                        <td className={styles.num}>{fmt.duration(g.p99Ms)}</td>
                        <td className={styles.num}>
                          <Apdex value={g.apdex} fmt={fmt} t={t} />
                        </td>
                        <td>
                          <Sparkline
                            values={sumSeries(endpointSeries).map((p) => p.count / stepMinutes)}
                            label={t.trendThroughput}
                            span={span}
                            peak={(v) => t.perMin(rate(fmt, v))}
                            t={t}
                          />
                        </td>
                      </tr>
                      {g.endpoints.map((e) => {
                        const points = dense.get(`${e.service}\u0000${e.endpoint}`) ?? [];
                        return (
                          <tr key={e.endpoint}>
                            <td className={styles.endpointCell}>
                              <Link
                                href={hitmapHref(e.service, e.endpoint || undefined)}
                                title={t.openHitmap(`${e.service} ${e.endpoint}`)}
                                className={styles.endpoint}
                              >
                                {e.endpoint ? <BreakablePath text={e.endpoint} /> : '—'}
                              </Link>
                            </td>
                            <td className={styles.num} title={t.transactions(fmt.number(e.count))}>
                              {t.perMin(rate(fmt, e.throughputPerMin))}
                            </td>
                            <td className={`${styles.num} ${e.errors ? styles.bad : ''}`}>{fmt.percent(e.errorRate)}</td>
                            <td className={styles.num}>{fmt.duration(e.p50Ms)}</td>
                            <td className={styles.num}>{fmt.duration(e.p95Ms)}</td>
                            <td className={styles.num}>{fmt.duration(e.p99Ms)}</td>
                            <td className={styles.num}>
                              <Apdex value={e.apdex} fmt={fmt} t={t} />
                            </td>
                            <td className={styles.trends}>
                              <Sparkline
                                values={points.map((p) => p.count / stepMinutes)}
                                label={t.trendThroughput}
                                span={span}
                                peak={(v) => t.perMin(rate(fmt, v))}
                                t={t}
                              />
                              <Sparkline
                                values={points.map((p) => p.p95Ms)}
                                label={t.trendP95}
                                tone="latency"
                                span={span}
                                peak={(v) => fmt.duration(v)}
                                t={t}
                              />
                            </td>
                          </tr>
                        );
                      })}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </div>
  );
}

/** Transactions per minute: a quiet endpoint's 0.02/min must not read as 0. */
function rate(fmt: Formatter, perMin: number): string {
  return fmt.number(perMin, perMin < 1 ? 2 : perMin < 10 ? 1 : 0);
}

function Apdex({ value, fmt, t }: { value: number; fmt: Formatter; t: Messages }) {
  const rating = apdexRating(value);
  return (
    <span className={styles[`apdex_${rating}`]} title={t[rating]}>
      {fmt.number(value, 2)}
    </span>
  );
}

const SPARK_W = 96;
const SPARK_H = 22;

/** A sparkline labelled with what it draws, its peak (its top edge) and the time it spans. */
function Sparkline({
  values,
  label,
  span,
  peak,
  t,
  tone = 'throughput',
}: {
  values: number[];
  label: string;
  span: string;
  peak: (v: number) => string;
  t: Messages;
  tone?: 'throughput' | 'latency';
}) {
  const top = values.length ? peak(Math.max(...values)) : '–';
  const described = `${label}, ${span}: ${t.peak(top)}`;
  return (
    <figure className={styles.sparkFigure} title={described}>
      <svg
        className={`${styles.spark} ${styles[`spark_${tone}`]}`}
        width={SPARK_W}
        height={SPARK_H}
        viewBox={`-1 -1 ${SPARK_W + 2} ${SPARK_H + 2}`}
        role="img"
        aria-label={described}
      >
        <path d={sparklinePath(values, SPARK_W, SPARK_H)} />
      </svg>
      <figcaption className={styles.sparkCaption}>
        {t[`trendShort_${tone}`]} {t.peak(top)}
      </figcaption>
    </figure>
  );
}

/** An endpoint that may wrap after its slashes, not in the middle of a word. */
function BreakablePath({ text }: { text: string }) {
  const parts = text.split('/');
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && '/'}
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}
