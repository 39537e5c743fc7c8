'use client';

import type { AlertMetric } from '@meridian/api-contract';
import { keepPreviousData } from '@tanstack/react-query';
import { LineChart } from 'echarts/charts';
import { GridComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';
import { ErrorNotice } from '../../components/states';
import { useApiQuery, type Input, type Output } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { useTenant } from '../../lib/tenant';
import { useChartColors } from '../../lib/theme';
import styles from './alerting.module.css';
import { alertingMessages } from './messages';
import { formatMetricValue } from './rule-form';

echarts.use([LineChart, GridComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

/** The span previewed; the server evaluates it at most 60 times. */
const HOURS = 6;
/** Typing settles this long before the preview is asked for again. */
const DEBOUNCE_MS = 600;
const CRITICAL_COLOR = '#d32f2f';

/** An unsaved rule definition, as the form would send it. */
type Definition = NonNullable<Input<'previewAlertRule'>['body']>['rule'];

/** The rule's metric over the last hours, evaluated as the alerter would, against its thresholds; follows the form as it is edited. */
export function RulePreview({ rule }: { rule: Definition }) {
  const t = useMessages(alertingMessages);
  const tenant = useTenant();
  const [asked, setAsked] = useState(rule);
  const text = JSON.stringify(rule);
  useEffect(() => {
    const timer = setTimeout(() => setAsked(JSON.parse(text) as Definition), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const ready = asked.warning !== undefined || asked.critical !== undefined;
  const preview = useApiQuery(
    'previewAlertRule',
    { params: { tenant: tenant.slug }, body: { rule: asked, hours: HOURS } },
    { enabled: ready, placeholderData: keepPreviousData, retry: false, staleTime: 30_000 },
  );
  const points = preview.data?.points ?? [];
  const breaches = points.filter((p) => p.breach !== null).length;
  return (
    <section className="stack" aria-label={t.previewTitle(HOURS)} data-testid="rule-preview">
      <strong>{t.previewTitle(HOURS)}</strong>
      {!ready ? (
        <p className="muted">{t.previewNeedsThreshold}</p>
      ) : preview.error ? (
        <ErrorNotice title={t.previewFailed} error={preview.error} />
      ) : preview.data && points.every((p) => p.value === null) ? (
        <p className="muted">{t.previewNoData}</p>
      ) : (
        <>
          <PreviewChart points={points} metric={asked.metric} warning={asked.warning} critical={asked.critical} />
          {preview.data && <p className="muted">{t.previewBreaches(breaches, points.length)}</p>}
        </>
      )}
    </section>
  );
}

function PreviewChart({
  points,
  metric,
  warning,
  critical,
}: {
  points: Output<'previewAlertRule'>['points'];
  metric: AlertMetric;
  warning?: number;
  critical?: number;
}) {
  const t = useMessages(alertingMessages);
  const fmt = useFormat();
  const colors = useChartColors();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const chart = echarts.init(box.current);
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(box.current);
    const axis = { axisLine: { lineStyle: { color: colors.line } }, axisLabel: { color: colors.muted }, splitLine: { lineStyle: { color: colors.grid } } };
    const value = (v: unknown) => (typeof v === 'number' ? formatMetricValue(fmt, metric, v) : '–');
    const threshold = (name: string, y: number | undefined, color: string) =>
      y === undefined ? [] : [{ name, yAxis: y, lineStyle: { color, type: 'dashed' }, label: { color, formatter: `${name} ${value(y)}` } }];
    chart.setOption({
      animation: false,
      textStyle: { color: colors.text },
      grid: { left: 56, right: 120, top: 16, bottom: 24 },
      tooltip: { trigger: 'axis', backgroundColor: colors.panel, borderColor: colors.line, textStyle: { color: colors.text }, valueFormatter: value },
      xAxis: { type: 'time', ...axis, axisLabel: { ...axis.axisLabel, hideOverlap: true, formatter: (v: number) => fmt.time(v).slice(0, 5) } },
      // The thresholds stay in view even when the values are far from them.
      yAxis: {
        type: 'value',
        ...axis,
        axisLabel: { ...axis.axisLabel, formatter: value },
        max: (e: { max: number }) => Math.max(e.max, warning ?? -Infinity, critical ?? -Infinity),
        min: (e: { min: number }) => Math.min(e.min, warning ?? Infinity, critical ?? Infinity, 0),
      },
      series: [
        {
          name: t.previewValue,
          type: 'line',
          connectNulls: false,
          color: colors.series[0],
          data: points.map((p) => ({
            value: [Date.parse(p.at), p.value],
            // Evaluations that would have crossed a threshold are marked in its colour.
            symbolSize: p.breach ? 7 : 0,
            itemStyle: { color: p.breach === 'critical' ? CRITICAL_COLOR : p.breach === 'warning' ? colors.series[1] : colors.series[0] },
          })),
          markLine: {
            symbol: 'none',
            silent: true,
            data: [...threshold(t.warning, warning, colors.series[1]), ...threshold(t.critical, critical, CRITICAL_COLOR)],
          },
        },
      ],
    });
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [points, metric, warning, critical, fmt, colors, t]);
  return <div ref={box} className={styles.previewChart} role="img" aria-label={t.previewValue} />;
}
