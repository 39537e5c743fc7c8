'use client';

import type { Output } from '../../lib/api';
import { GraphChart } from 'echarts/charts';
import { TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef } from 'react';
import type { Formatter } from '../../lib/format';
import { useChartColors, useTheme } from '../../lib/theme';
import { arrowCurveness, layoutMap } from './layout';
import type { serviceMapMessages } from './messages';
import styles from './service-map.module.css';

echarts.use([GraphChart, TooltipComponent, CanvasRenderer]);

type MapData = Output<'serviceMap'>;
export type MapNode = MapData['nodes'][number];
export type MapEdge = MapData['edges'][number];
type Messages = (typeof serviceMapMessages)['en'];
export type Selection = { node: string } | { caller: string; callee: string } | undefined;

/** Node colours per health, for each theme (the canvas cannot read CSS variables). */
export const HEALTH_COLORS = {
  light: { ok: '#2e7d32', warning: '#d98e04', critical: '#c62828', idle: '#8a96a8' },
  dark: { ok: '#66bb6a', warning: '#ffb74d', critical: '#ef5350', idle: '#6b7788' },
} as const;
const SYMBOL = { service: 'circle', database: 'roundRect', external: 'diamond' } as const;
const SIZE = { service: 46, database: 38, external: 34 } as const;

/** Arrow width grows with the log of calls per minute, so one busy edge does not flatten the rest. */
function edgeWidth(perMin: number): number {
  return Math.min(8, 1.2 + Math.log10(1 + perMin) * 2);
}

interface Props {
  data: MapData;
  selection: Selection;
  onSelect(selection: Selection): void;
  fmt: Formatter;
  t: Messages;
}

/**
 * The map as an echarts graph series with fixed positions (layoutMap): no force simulation, so
 * a refresh never moves the nodes. Clicking a node or an arrow selects it; clicking the empty
 * canvas clears the selection.
 */
export function MapChart({ data, selection, onSelect, fmt, t }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const onSelectRef = useRef(onSelect);
  useEffect(() => {
    onSelectRef.current = onSelect;
  }, [onSelect]);

  useEffect(() => {
    const el = box.current!;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (p) => {
      const d = p.data as { id?: string; source?: string; target?: string } | null;
      if (p.dataType === 'node' && d?.id) onSelectRef.current({ node: d.id });
      else if (p.dataType === 'edge' && d?.source && d.target) onSelectRef.current({ caller: d.source, callee: d.target });
    });
    c.getZr().on('click', (e: { target?: unknown }) => {
      if (!e.target) onSelectRef.current(undefined);
    });
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(el);
    return () => {
      resize.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  const colors = useChartColors();
  const health = HEALTH_COLORS[useTheme().theme];
  const positions = useMemo(() => layoutMap(data.nodes, data.edges), [data.nodes, data.edges]);
  const bends = useMemo(() => arrowCurveness(data.edges, positions), [data.edges, positions]);
  const names = useMemo(() => new Map(data.nodes.map((n) => [n.id, n.name])), [data.nodes]);

  useEffect(() => {
    const selectedNode = selection && 'node' in selection ? selection.node : undefined;
    const selectedEdge = selection && 'caller' in selection ? selection : undefined;
    const esc = echarts.format.encodeHTML;
    chart.current?.setOption(
      {
        animation: false,
        tooltip: { trigger: 'item', confine: true },
        series: [
          {
            id: 'map',
            type: 'graph',
            layout: 'none',
            roam: true,
            edgeSymbol: ['none', 'arrow'],
            edgeSymbolSize: 9,
            label: { show: true, position: 'bottom', color: colors.text, fontSize: 12, width: 180, overflow: 'truncate' },
            emphasis: { focus: 'adjacency', lineStyle: { width: 4 } },
            data: data.nodes.map((n) => {
              const at = positions.get(n.id)!;
              return {
                id: n.id,
                name: n.name,
                x: at.x,
                y: at.y,
                symbol: SYMBOL[n.kind],
                symbolSize: SIZE[n.kind],
                itemStyle: {
                  color: n.kind === 'service' ? health[n.health] : colors.panel,
                  borderColor: health[n.health],
                  borderWidth: n.id === selectedNode ? 5 : n.kind === 'service' ? 1 : 3,
                  shadowBlur: n.id === selectedNode ? 12 : 0,
                  shadowColor: health[n.health],
                },
                label: { formatter: n.system ? `${n.system}\n${n.name}` : n.name },
                tooltip: { formatter: () => t.tooltipNode(esc(n.name), t[`kind_${n.kind}`], t[`health_${n.health}`]) },
              };
            }),
            edges: data.edges.map((e) => {
              const selected = selectedEdge?.caller === e.source && selectedEdge.callee === e.target;
              const failing = e.figures.errorRate >= 0.05;
              return {
                source: e.source,
                target: e.target,
                lineStyle: {
                  width: edgeWidth(e.figures.perMin) + (selected ? 2 : 0),
                  color: failing ? health.critical : selected ? colors.series[0] : colors.muted,
                  opacity: selected ? 1 : 0.75,
                  curveness: e.source === e.target ? 0.6 : (bends.get(`${e.source}\u0000${e.target}`) ?? 0),
                },
                tooltip: {
                  formatter: () =>
                    t.tooltipEdge(
                      esc(names.get(e.source) ?? e.source),
                      esc(names.get(e.target) ?? e.target),
                      t.perMin(fmt.number(e.figures.perMin, e.figures.perMin < 10 ? 1 : 0)),
                      fmt.percent(e.figures.errorRate),
                      fmt.duration(e.figures.p95Ms),
                    ),
                },
              };
            }),
          },
        ],
      },
      { replaceMerge: ['series'] },
    );
  }, [data, positions, bends, names, selection, colors, health, fmt, t]);

  return <div ref={box} className={styles.chart} role="img" aria-label={t.chartLabel} data-testid="service-map-chart" />;
}
