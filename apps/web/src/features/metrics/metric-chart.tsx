'use client';

import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { Formatter } from '../../lib/format';
import { useChartColors } from '../../lib/theme';
import styles from './metrics.module.css';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Up to 51 lines: the theme's colours, then echarts' own palette, repeating. */
const MORE_COLORS = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];
export function linePalette(themeSeries: readonly string[]): string[] {
  return [...themeSeries, ...MORE_COLORS];
}

export interface ChartLine {
  name: string;
  values: Array<number | null>;
}

/** Lines of one metric over the steps `times` (ms); a gap where a line has no value. */
export function MetricChart({
  times,
  stepMs,
  lines,
  unit,
  label,
  fmt,
  figure,
}: {
  times: number[];
  stepMs: number;
  lines: ChartLine[];
  unit: string;
  label: string;
  fmt: Formatter;
  figure(v: number): string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const colors = useChartColors();
  useEffect(() => {
    if (!box.current) return;
    const chart = echarts.init(box.current);
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(box.current);
    const axis = { axisLine: { lineStyle: { color: colors.line } }, axisLabel: { color: colors.muted }, splitLine: { lineStyle: { color: colors.grid } } };
    const short = stepMs * times.length <= 86_400_000;
    chart.setOption({
      animation: false,
      color: linePalette(colors.series),
      textStyle: { color: colors.text },
      grid: { left: 64, right: 16, top: 36, bottom: 28 },
      legend: { type: 'scroll', top: 0, textStyle: { fontSize: 11, color: colors.text } },
      tooltip: {
        trigger: 'axis',
        backgroundColor: colors.panel,
        borderColor: colors.line,
        textStyle: { color: colors.text },
        valueFormatter: (v: unknown) => (typeof v === 'number' ? `${figure(v)} ${unit}` : '–'),
      },
      xAxis: {
        type: 'time',
        min: times[0],
        max: (times[times.length - 1] ?? 0) + stepMs,
        ...axis,
        axisLabel: { ...axis.axisLabel, hideOverlap: true, formatter: (v: number) => (short ? fmt.time(v).slice(0, 5) : fmt.dateTime(v).slice(5, 16)) },
      },
      yAxis: { type: 'value', name: unit, nameTextStyle: { color: colors.muted }, ...axis, axisLabel: { ...axis.axisLabel, formatter: figure } },
      // Points sit in the middle of their step; lone points need their symbol to be seen.
      series: lines.map((l) => ({
        name: l.name,
        type: 'line',
        showSymbol: l.values.filter((v) => v !== null).length < 3,
        connectNulls: false,
        data: times.map((t, i) => [t + stepMs / 2, l.values[i]]),
      })),
    });
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [times, stepMs, lines, unit, fmt, colors, figure]);
  return <div ref={box} className={styles.chart} role="img" aria-label={label} data-testid="metrics-chart" />;
}
