'use client';

import type { MetricFilterCondition } from '@meridian/api-contract';
import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo, useState } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useApiQuery, type Output } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { useTenant } from '../../lib/tenant';
import { useChartColors } from '../../lib/theme';
import { linePalette, MetricChart } from './metric-chart';
import { metricsMessages, type MetricsMessages } from './messages';
import styles from './metrics.module.css';
import { lineSummary, readsSummaryQuantile, readView, seriesQuery, STEPS, viewHref, WINDOWS, windowQuery, type MetricsView } from './view';

const REFRESH_MS = 30_000;
/** Names shown at once in the list; the search narrows the rest. */
const LIST_SHOWN = 300;
type Series = Output<'metricSeries'>;
type AttributeKey = Output<'metricAttributes'>['keys'][number];

/** The metrics explorer: pick a metric, aggregate, filter and group it, see it as lines over time. */
export function MetricsPage() {
  const t = useMessages(metricsMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const view = useMemo(() => readView(search), [search]);
  const go = (next: Partial<MetricsView>) => router.replace(viewHref(tenant.slug, { ...view, ...next }), { scroll: false });
  const live = view.range === undefined;
  const names = useApiQuery(
    'metricNames',
    { params: { tenant: tenant.slug }, query: { ...windowQuery(view), limit: 2000 } },
    { refetchInterval: live ? REFRESH_MS : false },
  );

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.title}</h1>
          <p className="hint">{t.intro}</p>
        </div>
        {live ? (
          <ChoiceButtons joined label={t.window} choices={WINDOWS} value={view.last} onPick={(last) => go({ last, step: undefined })} text={t.spanLabel} />
        ) : (
          <span className="notice notice-info">
            {t.pinned(fmt.dateTime(view.range!.from), fmt.dateTime(view.range!.to))}
            <button type="button" className="btn btn-small" onClick={() => go({ range: undefined })}>
              {t.backToLive}
            </button>
          </span>
        )}
      </div>
      <div className={styles.layout}>
        <MetricPicker names={names} selected={view.metric} onPick={(metric) => go({ metric, agg: undefined, by: undefined, filters: [] })} t={t} fmt={fmt} />
        <section className="stack" aria-live="polite">
          {view.metric ? <Explorer view={{ ...view, metric: view.metric }} go={go} t={t} fmt={fmt} live={live} /> : <Empty title={t.pickMetric} />}
        </section>
      </div>
    </div>
  );
}

function MetricPicker({
  names,
  selected,
  onPick,
  t,
  fmt,
}: {
  names: ReturnType<typeof useApiQuery<'metricNames'>>;
  selected: string | undefined;
  onPick(name: string): void;
  t: MetricsMessages;
  fmt: Formatter;
}) {
  const [text, setText] = useState('');
  const all = names.data?.metrics ?? [];
  const needle = text.trim().toLowerCase();
  const matches = needle ? all.filter((m) => m.name.toLowerCase().includes(needle)) : all;
  return (
    <nav className={styles.picker} aria-label={t.metricList}>
      <input className="input" type="search" aria-label={t.search} placeholder={t.searchPlaceholder} value={text} onChange={(e) => setText(e.target.value)} />
      {names.isPending ? (
        <Loading label={t.loading} />
      ) : names.error ? (
        <ErrorNotice error={names.error} title={t.failed} onRetry={() => void names.refetch()} />
      ) : all.length === 0 ? (
        <Empty title={t.noMetrics}>{t.noMetricsHelp}</Empty>
      ) : matches.length === 0 ? (
        <p className="hint">{t.noMatch}</p>
      ) : (
        <>
          <ul className={styles.list} data-testid="metric-list">
            {matches.slice(0, LIST_SHOWN).map((m) => (
              <li key={`${m.name}\u0000${m.type}`}>
                <button type="button" className={styles.item} aria-current={m.name === selected} onClick={() => onPick(m.name)}>
                  <span className={styles.name}>{m.name}</span>
                  <span className={styles.meta}>
                    {m.type.toLowerCase()}
                    {m.unit && ` · ${m.unit}`} · {t.series(fmt.number(m.series))}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {matches.length > LIST_SHOWN && <p className="hint">{t.more(fmt.number(matches.length - LIST_SHOWN))}</p>}
        </>
      )}
    </nav>
  );
}

function Explorer({
  view,
  go,
  t,
  fmt,
  live,
}: {
  view: MetricsView & { metric: string };
  go(next: Partial<MetricsView>): void;
  t: MetricsMessages;
  fmt: Formatter;
  live: boolean;
}) {
  const tenant = useTenant();
  const params = { tenant: tenant.slug };
  const series = useApiQuery('metricSeries', { params, query: seriesQuery(view) }, { refetchInterval: live ? REFRESH_MS : false });
  const attributes = useApiQuery('metricAttributes', { params, query: { ...windowQuery(view), name: view.metric } }, { staleTime: 60_000 });
  const keys = attributes.data?.keys ?? [];
  const s = series.data;
  const m = s?.metric;

  return (
    <>
      <div className={styles.head}>
        <h2 className={styles.metricName}>{view.metric}</h2>
        {m && (
          <span className="hint">
            {m.type.toLowerCase()}
            {m.type === 'SUM' && ` (${m.temporality.toLowerCase()}${m.isMonotonic ? `, ${t.monotonic}` : ''})`}
            {m.unit && ` · ${m.unit}`}
            {m.description && ` · ${m.description}`}
          </span>
        )}
      </div>
      <div className={styles.controls}>
        {s && s.aggregations.length > 0 && (
          <div className="field">
            <span className="field-label">{t.aggregation}</span>
            <ChoiceButtons
              joined
              label={t.aggregation}
              choices={s.aggregations}
              value={s.aggregation}
              onPick={(agg) => go({ agg })}
              text={(a) => t.aggOf(a, m?.type)}
              testId="metric-agg"
            />
          </div>
        )}
        <label className="field">
          <span className="field-label">{t.groupBy}</span>
          <select className="input" value={view.by ?? ''} onChange={(e) => go({ by: e.target.value || undefined })} data-testid="metric-group-by">
            <option value="">{t.noGroup}</option>
            {withCurrent(keys, view.by).map((k) => (
              <option key={k.key} value={k.key}>
                {k.source === 'resource' ? t.resourceKey(k.key) : k.key}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t.step}</span>
          <select className="input" value={view.step ?? ''} onChange={(e) => go({ step: Number(e.target.value) || undefined })}>
            <option value="">{t.autoStep}</option>
            {STEPS.map((step) => (
              <option key={step} value={step}>
                {fmt.period(step)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Filters filters={view.filters} keys={keys} onChange={(filters) => go({ filters })} t={t} />
      <SeriesView series={series} view={view} t={t} fmt={fmt} />
    </>
  );
}

/** The attribute keys, plus one from the URL that the window does not list (so the select shows it). */
function withCurrent(keys: AttributeKey[], current: string | undefined): AttributeKey[] {
  if (!current || keys.some((k) => k.key === current)) return keys;
  return [...keys, { key: current, source: 'attribute', distinctValues: 0, values: [] }];
}

function Filters({
  filters,
  keys,
  onChange,
  t,
}: {
  filters: MetricFilterCondition[];
  keys: AttributeKey[];
  onChange(filters: MetricFilterCondition[]): void;
  t: MetricsMessages;
}) {
  const [key, setKey] = useState('');
  const [op, setOp] = useState<'=' | '!='>('=');
  const [value, setValue] = useState('');
  // The picked key, or the first of this metric's (the list changes with the metric).
  const chosen = keys.some((k) => k.key === key) ? key : (keys[0]?.key ?? '');
  const values = keys.find((k) => k.key === chosen)?.values ?? [];
  return (
    <div className={styles.filters} role="group" aria-label={t.filters}>
      <span className="field-label">{t.filters}</span>
      {filters.map((f, i) => {
        const text = `${f.key}${f.op}${f.value}`;
        return (
          <span key={`${i}:${text}`} className={styles.chip} data-testid="metric-filter">
            {text}
            <button type="button" aria-label={t.removeFilter(text)} onClick={() => onChange(filters.filter((_, j) => j !== i))}>
              ×
            </button>
          </span>
        );
      })}
      <form
        className={styles.filters}
        onSubmit={(e) => {
          e.preventDefault();
          if (!chosen) return;
          onChange([...filters, { key: chosen, op, value }]);
          setValue('');
        }}
      >
        <select className="input" aria-label={t.filterKey} value={chosen} onChange={(e) => setKey(e.target.value)}>
          {keys.map((k) => (
            <option key={k.key} value={k.key}>
              {k.source === 'resource' ? t.resourceKey(k.key) : k.key}
            </option>
          ))}
        </select>
        <select className="input" aria-label={t.filterOp} value={op} onChange={(e) => setOp(e.target.value as '=' | '!=')}>
          <option value="=">=</option>
          <option value="!=">!=</option>
        </select>
        <input
          className="input"
          aria-label={t.filterValue}
          list="metric-filter-values"
          value={value}
          maxLength={1024}
          onChange={(e) => setValue(e.target.value)}
        />
        <datalist id="metric-filter-values">
          {values.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
        <button type="submit" className="btn btn-small" disabled={!chosen || filters.length >= 10}>
          {t.addFilter}
        </button>
      </form>
    </div>
  );
}

function SeriesView({
  series,
  view,
  t,
  fmt,
}: {
  series: ReturnType<typeof useApiQuery<'metricSeries'>>;
  view: MetricsView & { metric: string };
  t: MetricsMessages;
  fmt: Formatter;
}) {
  const colors = useChartColors();
  const figure = useCallback((v: number) => fmt.number(v, Math.abs(v) >= 100 ? 1 : 3), [fmt]);
  const s = series.data;
  const lines = useMemo(() => (s?.lines ?? []).map((l) => ({ name: lineName(l, t), values: l.values, summary: lineSummary(l.values) })), [s, t]);
  if (series.isPending) return <Loading label={t.loading} />;
  if (series.error) return <ErrorNotice error={series.error} title={t.failed} onRetry={() => void series.refetch()} />;
  if (!s || lines.length === 0) return <Empty title={t.noData} />;
  const palette = linePalette(colors.series);
  const step = fmt.period(s.stepSeconds);
  return (
    <>
      <div className="card">
        <p className="hint" data-testid="metric-source">
          {t.aggOf(s.aggregation, s.metric?.type)} · {s.source === 'rollup' ? t.sourceRollup(step) : t.sourceRaw(step)}
        </p>
        {readsSummaryQuantile(s.metric?.type, s.aggregation) && (
          <p className="hint" data-testid="metric-summary-quantile">
            {t.summaryQuantileHint}
          </p>
        )}
        <MetricChart
          times={s.times}
          stepMs={s.stepSeconds * 1000}
          lines={lines}
          unit={s.unit}
          label={t.chartLabel(view.metric, t.aggOf(s.aggregation, s.metric?.type))}
          fmt={fmt}
          figure={figure}
        />
      </div>
      <section className="stack">
        <h3>{t.linesTitle}</h3>
        <table className="table" data-testid="metric-lines">
          <thead>
            <tr>
              <th>{t.colLine}</th>
              <th className={styles.num}>{t.colLast}</th>
              <th className={styles.num}>{t.colMin}</th>
              <th className={styles.num}>{t.colAvg}</th>
              <th className={styles.num}>{t.colMax}</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <tr key={`${i}:${l.name}`}>
                <td>
                  <span className={styles.swatch} style={{ background: palette[i % palette.length] }} aria-hidden />
                  {l.name}
                </td>
                {[l.summary.last, l.summary.min, l.summary.avg, l.summary.max].map((v, k) => (
                  <td key={k} className={styles.num}>
                    {v === null ? '–' : `${figure(v)} ${s.unit}`}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

function lineName(l: Series['lines'][number], t: MetricsMessages): string {
  if (l.other) return t.other;
  if (l.group === null) return t.allSeries;
  return l.group === '' ? t.noValue : l.group;
}
