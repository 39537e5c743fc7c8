'use client';

import { HITMAP_ROWS, hitmapRowBounds } from '@meridian/domain';
import { CustomChart } from 'echarts/charts';
import { BrushComponent, GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef } from 'react';
import type { Formatter } from '../../lib/format';
import { useChartColors } from '../../lib/theme';
import { cellColor, type CellScale } from './colors';
import { liveAxisRange, slideStepMs, type Cell } from './live';
import styles from './hitmap.module.css';
import { COLUMN_MS, selectionFromRange, selectionRect, type HitmapSelection } from './selection';
import { formatAxisMs, yAxisMarks } from './y-axis';

echarts.use([CustomChart, GridComponent, BrushComponent, TooltipComponent, CanvasRenderer]);

/**
 * Plot margins inside the chart box (px); the plot's size follows the box and nothing else.
 * The right margin holds half a time label ("12:34:56 PM"), so a tick at the right edge fits.
 */
const GRID = { left: 60, right: 34, top: 14, bottom: 30 };

export type ChartRange = { live: true; spanMs: number } | { live: false; from: number; to: number };

interface Props {
  cells: readonly Cell[];
  scale: CellScale;
  range: ChartRange;
  selection?: HitmapSelection;
  /** The row the y axis ends at (HITMAP_ROWS: the whole layout). */
  topRow: number;
  /** A drag (the cells it covers) or a click on a cell (that cell). */
  onSelect(selection: HitmapSelection): void;
  fmt: Formatter;
  label: string;
  tooltip(time: string, range: string, hits: string, errors: string): string;
}

type RenderParams = { coordSys: unknown };
type RenderApi = { value(dim: number): unknown; coord(v: number[]): number[] };
type Rect = { x: number; y: number; width: number; height: number };

/** A rectangle in data coordinates (x: epoch ms, y: rows) as a clipped pixel rect, or undefined when off the plot. */
function plotRect(params: RenderParams, api: RenderApi, x0: number, x1: number, y0: number, y1: number): Rect | undefined {
  const [left, top] = api.coord([x0, y1]);
  const [right, bottom] = api.coord([x1, y0]);
  return echarts.graphic.clipRectByRect({ x: left, y: top, width: right - left, height: bottom - top }, params.coordSys as Rect);
}

/**
 * A dot's radius in its cell's pixel rect: as wide as the column (less a gap) but never taller
 * than twice the row height, and at least 1.5 px so a single transaction stays visible.
 */
export function dotRadius(cell: { width: number; height: number }): number {
  return Math.max(1.5, Math.min(cell.width / 2 - 0.5, Math.max(cell.height, 2), 6));
}

/**
 * The hitmap: a time × response-time grid of cells on a canvas (an echarts custom series, so
 * the x axis is real time and can slide). Live, the x range moves with the clock on its own
 * timer; new data only replaces the series' data, so nothing jumps when a column appears.
 * Dragging draws a brush; on release it becomes a selection (whole cells) and the brush is
 * replaced by the selection's own rectangle, which then moves with the data. A click on a dot
 * selects its cell. Each cell is a dot centred in it, as in WhaTap's hitmap.
 */
export function HitmapChart({ cells, scale, range, selection, topRow, onSelect, fmt, label, tooltip }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const dragging = useRef(false);
  const onSelectRef = useRef(onSelect);
  useEffect(() => {
    onSelectRef.current = onSelect;
  }, [onSelect]);
  // Cells by column and row, for clicks.
  const occupied = useRef(new Set<string>());
  useEffect(() => {
    occupied.current = new Set(cells.map((c) => `${c.t}/${c.y}`));
  }, [cells]);

  // Created once; the other effects update parts of its option.
  useEffect(() => {
    const el = box.current!;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.setOption({
      animation: false,
      // 'none': echarts' default shrinks the plot whenever a label would leave the canvas, so a
      // tick reaching the right edge moved every dot, and the live plot twitched as ticks slid by.
      grid: { ...GRID, containLabel: false, outerBoundsMode: 'none' },
      xAxis: { type: 'time', splitLine: { show: false }, axisLine: { lineStyle: { color: '#9aa7b8' } } },
      yAxis: { type: 'value', min: 0, splitLine: { show: true, lineStyle: { color: '#eef1f5' } } },
      brush: {
        xAxisIndex: 0,
        yAxisIndex: 0,
        brushType: 'rect',
        brushMode: 'single',
        transformable: false,
        throttleType: 'debounce',
        throttleDelay: 100,
        brushStyle: { borderWidth: 1, color: 'rgba(21,101,192,0.12)', borderColor: '#1565c0' },
      },
      tooltip: { trigger: 'item', confine: true },
      series: [
        { id: 'cells', type: 'custom', data: [], clip: true, encode: { x: 0, y: 1 } },
        { id: 'selection', type: 'custom', data: [], silent: true, z: 10, clip: true, encode: { x: [0, 1], y: [2, 3] }, tooltip: { show: false } },
      ],
    });
    // Drag-to-select without a toolbox button: the brush is the chart's default cursor.
    const armBrush = () => c.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: 'rect', brushMode: 'single' } });
    armBrush();
    let brushedAt = 0;
    c.on('brushEnd', (e: unknown) => {
      const area = (e as { areas?: Array<{ coordRange?: [[number, number], [number, number]] }> }).areas?.[0];
      c.dispatchAction({ type: 'brush', areas: [] });
      dragging.current = false;
      if (area?.coordRange) {
        brushedAt = Date.now();
        onSelectRef.current(selectionFromRange(area.coordRange[0], area.coordRange[1]));
      }
    });
    const zr = c.getZr();
    // A click (no drag) on a dot selects its cell.
    zr.on('click', (e: { offsetX: number; offsetY: number }) => {
      if (Date.now() - brushedAt < 400 || !c.containPixel('grid', [e.offsetX, e.offsetY])) return;
      const [ms, row] = c.convertFromPixel('grid', [e.offsetX, e.offsetY]) as number[];
      const t = Math.floor(ms / COLUMN_MS) * COLUMN_MS;
      const y = Math.floor(row);
      if (occupied.current.has(`${t}/${y}`)) onSelectRef.current(selectionFromRange([t, t], [y + 0.5, y + 0.5]));
    });
    // The x range must not slide under a drag in progress.
    zr.on('mousedown', () => (dragging.current = true));
    zr.on('mouseup', () => (dragging.current = false));
    zr.on('globalout', () => (dragging.current = false));
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(el);
    return () => {
      resize.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  // Axes in the theme's colours (light or dark; the canvas cannot read CSS variables).
  const colors = useChartColors();
  useEffect(() => {
    chart.current?.setOption({
      xAxis: { axisLine: { lineStyle: { color: colors.muted } }, axisLabel: { color: colors.muted } },
      yAxis: { axisLine: { lineStyle: { color: colors.muted } }, axisLabel: { color: colors.muted }, splitLine: { lineStyle: { color: colors.grid } } },
    });
  }, [colors]);

  // Labels and tooltips in the user's language and time zone.
  useEffect(() => {
    chart.current?.setOption({
      xAxis: { axisLabel: { formatter: (v: number) => fmt.time(v), hideOverlap: true } },
      tooltip: {
        formatter: (p: { seriesId?: string; value?: number[] }) => {
          if (p.seriesId !== 'cells' || !p.value) return '';
          const [t, y, hits, errors] = p.value;
          const b = hitmapRowBounds(y);
          const rows = b.toMs === Infinity ? `≥ ${formatAxisMs(b.fromMs)}` : `${formatAxisMs(b.fromMs)} – ${formatAxisMs(b.toMs)}`;
          return tooltip(`${fmt.time(t)} – ${fmt.time(t + COLUMN_MS)}`, rows, fmt.number(hits), fmt.number(errors));
        },
      },
    });
  }, [fmt, tooltip]);

  // Cells: replaced in place (same series id), so the chart keeps its state between polls.
  const data = useMemo(() => cells.map((c) => [c.t, c.y, c.hits, c.errors]), [cells]);
  useEffect(() => {
    chart.current?.setOption({
      series: [
        {
          id: 'cells',
          data,
          renderItem: (params: RenderParams, api: RenderApi) => {
            const t = api.value(0) as number;
            const y = api.value(1) as number;
            const rect = plotRect(params, api, t, t + COLUMN_MS, y, y + 1);
            if (!rect) return null;
            return {
              type: 'circle',
              shape: { cx: rect.x + rect.width / 2, cy: rect.y + rect.height / 2, r: dotRadius(rect) },
              style: { fill: cellColor(api.value(2) as number, api.value(3) as number, scale) },
            };
          },
        },
      ],
    });
  }, [data, scale]);

  // The y axis: the whole layout or zoomed to its fastest rows, labelled where the layout allows.
  useEffect(() => {
    const marks = yAxisMarks(Math.min(topRow, HITMAP_ROWS - 1));
    const labels = new Map(marks.map((m) => [m.row, formatAxisMs(m.ms)]));
    chart.current?.setOption({
      yAxis: {
        max: topRow,
        axisLabel: { customValues: marks.map((m) => m.row), formatter: (v: number) => labels.get(v) ?? '' },
        axisTick: { customValues: marks.map((m) => m.row) },
      },
    });
  }, [topRow]);

  useEffect(() => {
    const r = selection && selectionRect(selection);
    chart.current?.setOption({
      series: [
        {
          id: 'selection',
          data: r ? [[r.x[0], r.x[1], r.y[0], r.y[1]]] : [],
          renderItem: (params: RenderParams, api: RenderApi) => {
            const rect = plotRect(params, api, api.value(0) as number, api.value(1) as number, api.value(2) as number, api.value(3) as number);
            return rect && { type: 'rect', shape: rect, style: { fill: 'rgba(21,101,192,0.10)', stroke: '#1565c0', lineWidth: 1.5, lineDash: [4, 3] } };
          },
        },
      ],
    });
  }, [selection]);

  // The x range: fixed, or sliding with the clock about once per pixel.
  const liveSpan = range.live ? range.spanMs : 0;
  const fixedFrom = range.live ? 0 : range.from;
  const fixedTo = range.live ? 0 : range.to;
  useEffect(() => {
    const c = chart.current;
    const el = box.current;
    if (!c || !el) return;
    const apply = () => {
      const { min, max } = liveSpan ? liveAxisRange(Date.now(), liveSpan) : { min: fixedFrom, max: fixedTo };
      c.setOption({ xAxis: { min, max } });
      el.dataset.xMin = String(min);
      el.dataset.xMax = String(max);
    };
    apply();
    if (!liveSpan) return;
    const width = Math.max(1, el.clientWidth - GRID.left - GRID.right);
    const timer = setInterval(
      () => {
        if (!dragging.current) apply();
      },
      slideStepMs(liveSpan, width),
    );
    return () => clearInterval(timer);
  }, [liveSpan, fixedFrom, fixedTo]);

  return (
    <div
      ref={box}
      className={styles.chart}
      role="img"
      aria-label={label}
      data-testid="hitmap-chart"
      data-cells={cells.length}
      data-plot={`${GRID.left} ${GRID.top} ${GRID.right} ${GRID.bottom}`}
      data-rows={HITMAP_ROWS}
      data-top-row={topRow}
    />
  );
}
