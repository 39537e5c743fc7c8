'use client';

import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { Output } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { useChartColors } from '../../lib/theme';
import type { LogLevelName } from './log-view';
import styles from './logs.module.css';
import { logsMessages } from './messages';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** One colour per level, the same in both themes: severity reads the same everywhere. */
const LEVEL_COLORS: Record<LogLevelName, string> = {
  unspecified: '#9e9e9e',
  trace: '#b0bec5',
  debug: '#78909c',
  info: '#1e88e5',
  warn: '#f9a825',
  error: '#e53935',
  fatal: '#8e0000',
};

/** Stacked counts per severity level over the window; clicking a bar asks for just its records. */
export function LogHistogram({ histogram, onPick }: { histogram: Output<'logHistogram'>; onPick: (from: number, to: number) => void }) {
  const t = useMessages(logsMessages);
  const fmt = useFormat();
  const colors = useChartColors();
  const box = useRef<HTMLDivElement>(null);
  const pick = useRef(onPick);
  useEffect(() => {
    pick.current = onPick;
  }, [onPick]);
  const stepMs = histogram.stepSeconds * 1000;
  useEffect(() => {
    if (!box.current) return;
    const chart = echarts.init(box.current);
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(box.current);
    const axis = { axisLine: { lineStyle: { color: colors.line } }, axisLabel: { color: colors.muted }, splitLine: { lineStyle: { color: colors.grid } } };
    // Only levels that occur get a series (and a legend entry).
    const levels = histogram.levels.map((level, i) => ({ level, i })).filter(({ i }) => histogram.buckets.some((b) => b.counts[i] > 0));
    // Every bucket of the window, empty ones too, so each bar is one bucket wide.
    const byStart = new Map(histogram.buckets.map((b) => [b.t, b.counts]));
    const starts: number[] = [];
    for (let t = Math.floor(Date.parse(histogram.from) / stepMs) * stepMs; t < Date.parse(histogram.to); t += stepMs) starts.push(t);
    chart.setOption({
      animation: false,
      textStyle: { color: colors.text },
      grid: { left: 48, right: 16, top: 28, bottom: 24 },
      legend: { top: 0, right: 0, textStyle: { color: colors.muted }, itemWidth: 12, itemHeight: 8 },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        backgroundColor: colors.panel,
        borderColor: colors.line,
        textStyle: { color: colors.text },
        valueFormatter: (v: unknown) => fmt.number(Number(v)),
      },
      xAxis: {
        type: 'category',
        data: starts.map((t) => fmt.time(t)),
        ...axis,
        axisTick: { alignWithLabel: true },
        axisLabel: { ...axis.axisLabel, hideOverlap: true },
      },
      yAxis: { type: 'value', minInterval: 1, ...axis, axisLabel: { ...axis.axisLabel, formatter: (v: number) => fmt.number(v) } },
      series: levels.map(({ level, i }) => ({
        name: t[`level_${level}`],
        type: 'bar',
        stack: 'count',
        barCategoryGap: '15%',
        color: LEVEL_COLORS[level],
        data: starts.map((t) => byStart.get(t)?.[i] ?? 0),
      })),
    });
    chart.on('click', (e) => pick.current(starts[e.dataIndex], starts[e.dataIndex] + stepMs));
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [histogram, stepMs, colors, fmt, t]);
  // What the bars show, as text: screen readers (and tests) read the totals per level.
  const totals = histogram.levels
    .map((level, i) => [level, histogram.buckets.reduce((n, b) => n + b.counts[i], 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${t[`level_${level}`]} ${fmt.number(n)}`)
    .join(', ');
  return (
    <div
      ref={box}
      className={styles.chart}
      role="img"
      aria-label={`${t.histogram}: ${totals || '0'}. ${t.histogramHint}`}
      data-testid="log-histogram"
      data-totals={totals}
    />
  );
}
