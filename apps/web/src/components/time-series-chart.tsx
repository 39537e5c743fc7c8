'use client';

import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { Formatter } from '../lib/format';
import { useChartColors } from '../lib/theme';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface SeriesLine {
  name: string;
  /** [time ms, value]; null leaves a gap. */
  points: Array<[number, number | null]>;
  dashed?: boolean;
}

/**
 * A card with a time-series line chart (echarts, canvas) over `range`: the database instance,
 * server and pod pages' charts. `format` writes a value in the tooltip (and on the y axis with
 * `formatAxis`); a click in the plot calls `onPick` with that moment. `data-lines` names the lines
 * (for tests), joined by `|`.
 */
export function TimeSeriesChart({
  title,
  lines,
  range,
  fmt,
  format,
  formatAxis,
  stacked,
  yMax,
  onPick,
  testId,
  className,
}: {
  title: string;
  lines: SeriesLine[];
  range: [number, number];
  fmt: Formatter;
  format(v: number): string;
  formatAxis?: boolean;
  stacked?: boolean;
  yMax?: number;
  onPick?(t: number): void;
  testId?: string;
  className?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const colors = useChartColors();
  // Read at call time, so a new function each render does not rebuild the chart.
  const formatRef = useRef(format);
  const pickRef = useRef(onPick);
  useEffect(() => {
    formatRef.current = format;
    pickRef.current = onPick;
  }, [format, onPick]);
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
      grid: { left: formatAxis ? 64 : 48, right: 12, top: 28, bottom: 24 },
      legend: { type: 'scroll', top: 0, textStyle: { fontSize: 11, color: colors.text } },
      tooltip: {
        trigger: 'axis',
        backgroundColor: colors.panel,
        borderColor: colors.line,
        textStyle: { color: colors.text },
        valueFormatter: (v: unknown) => (typeof v === 'number' ? formatRef.current(v) : '–'),
      },
      xAxis: {
        type: 'time',
        min: range[0],
        max: range[1],
        ...axis,
        axisLabel: { ...axis.axisLabel, hideOverlap: true, formatter: (v: number) => fmt.time(v).slice(0, 5) },
      },
      yAxis: {
        type: 'value',
        ...axis,
        max: yMax,
        axisLabel: formatAxis ? { ...axis.axisLabel, formatter: (v: number) => formatRef.current(v) } : axis.axisLabel,
      },
      series: lines.map((l) => ({
        name: l.name,
        type: 'line',
        stack: stacked ? 'total' : undefined,
        areaStyle: stacked ? { opacity: 0.5 } : undefined,
        // Single points (a fresh instance or pod) need their symbol to be seen at all.
        showSymbol: l.points.filter((p) => p[1] !== null).length < 3,
        connectNulls: false,
        lineStyle: l.dashed ? { type: 'dashed', width: 1 } : undefined,
        data: l.points,
      })),
    });
    chart.getZr().on('click', (e: { offsetX: number; offsetY: number }) => {
      if (!pickRef.current || !chart.containPixel({ gridIndex: 0 }, [e.offsetX, e.offsetY])) return;
      const [t] = chart.convertFromPixel({ gridIndex: 0 }, [e.offsetX, e.offsetY]) as number[];
      if (Number.isFinite(t)) pickRef.current(t);
    });
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [lines, range, fmt, formatAxis, stacked, yMax, colors]);
  return (
    <div className="card">
      <h3 className="hint">{title}</h3>
      <div ref={box} className={className} data-testid={testId} data-lines={lines.map((l) => l.name).join('|')} />
    </div>
  );
}
