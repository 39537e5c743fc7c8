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
        type: 'time',
        min: Date.parse(histogram.from),
        max: Date.parse(histogram.to),
        ...axis,
        axisLabel: { ...axis.axisLabel, hideOverlap: true, formatter: (v: number) => fmt.time(v).slice(0, 5) },
      },
      yAxis: { type: 'value', minInterval: 1, ...axis, axisLabel: { ...axis.axisLabel, formatter: (v: number) => fmt.number(v) } },
      series: levels.map(({ level, i }) => ({
        name: t[`level_${level}`],
        type: 'bar',
        stack: 'count',
        barWidth: '80%',
        color: LEVEL_COLORS[level],
        // Bars stand at the middle of their bucket.
        data: histogram.buckets.map((b) => [b.t + stepMs / 2, b.counts[i]]),
      })),
    });
    chart.on('click', (e) => {
      const [mid] = e.value as [number, number];
      pick.current(mid - stepMs / 2, mid + stepMs / 2);
    });
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [histogram, stepMs, colors, fmt, t]);
  return <div ref={box} className={styles.chart} role="img" aria-label={`${t.histogram}. ${t.histogramHint}`} data-testid="log-histogram" />;
}
