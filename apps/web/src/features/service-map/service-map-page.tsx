'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { NoDataYet } from '../../components/no-data-yet';
import { QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { useTheme } from '../../lib/theme';
import { tenantHref, useTenant } from '../../lib/tenant';
import { DEFAULT_SPAN, SPAN_PRESETS, viewParams } from '../hitmap/view';
import { HEALTH_COLORS, MapChart, type MapEdge, type MapNode, type Selection } from './map-chart';
import { serviceMapMessages } from './messages';
import styles from './service-map.module.css';

/** The trace explorer offers the same windows. */
const WINDOWS = ['15m', '1h', '6h', '24h'] as const;
const DEFAULT_WINDOW = '15m';
const REFRESH_MS = 30_000;
const HEALTHS = ['ok', 'warning', 'critical', 'idle'] as const;
type Messages = (typeof serviceMapMessages)['en'];
type Links = { hitmap(service: string): string; traces(service: string): string; sql(service: string): string };

/**
 * Services, their databases and external hosts and the calls between them over a window. The URL
 * holds the window (`last`) and the selection: `node=<id>`, or `caller=<id>&callee=<id>` for an arrow.
 */
export function ServiceMapPage() {
  const t = useMessages(serviceMapMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const requested = search.get('last');
  const last = (WINDOWS as readonly string[]).includes(requested ?? '') ? requested! : DEFAULT_WINDOW;
  const node = search.get('node') ?? undefined;
  const caller = search.get('caller') ?? undefined;
  const callee = search.get('callee') ?? undefined;
  const selection: Selection = node ? { node } : caller && callee ? { caller, callee } : undefined;

  const map = useApiQuery('serviceMap', { params: { tenant: tenant.slug }, query: { last } }, { refetchInterval: REFRESH_MS });
  const empty = map.data?.nodes.length === 0;
  const usage = useApiQuery('usage', { params: { tenant: tenant.slug } }, { enabled: empty, staleTime: 30_000 });

  const go = useCallback(
    (next: { last?: string; selection?: Selection }) => {
      const sel = next.selection;
      const w = next.last ?? last;
      router.replace(
        tenantHref('/map', tenant.slug, {
          last: w === DEFAULT_WINDOW ? undefined : w,
          node: sel && 'node' in sel ? sel.node : undefined,
          caller: sel && 'caller' in sel ? sel.caller : undefined,
          callee: sel && 'caller' in sel ? sel.callee : undefined,
        }),
        { scroll: false },
      );
    },
    [router, tenant.slug, last],
  );
  const select = useCallback((s: Selection) => go({ selection: s }), [go]);

  // The hitmap keeps its own (shorter) windows: the same length when it has it, else its default.
  const hitmapSpan = (SPAN_PRESETS as readonly string[]).includes(last) ? last : DEFAULT_SPAN;
  const links: Links = {
    hitmap: (service) => tenantHref('/hitmap', tenant.slug, viewParams({ window: { live: true, span: hitmapSpan }, service })),
    traces: (service) => tenantHref('/traces', tenant.slug, { service, last: last === '1h' ? undefined : last }),
    sql: (service) => tenantHref('/sql', tenant.slug, { service }),
  };

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.title}</h1>
          <p className="hint">{t.intro}</p>
        </div>
        <ChoiceButtons joined label={t.window} choices={WINDOWS} value={last} onPick={(w) => go({ last: w, selection })} text={t.spanLabel} />
      </div>
      <QueryState query={map} loadingLabel={t.loading} failedTitle={t.failed}>
        {(data) =>
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
            <>
              <div className={styles.layout}>
                <div className={`card ${styles.chartCard}`}>
                  <MapChart data={data} selection={selection} onSelect={select} fmt={fmt} t={t} />
                  <Legend t={t} />
                </div>
                <aside className={`card ${styles.panel}`} data-testid="service-map-panel" aria-live="polite">
                  <Details nodes={data.nodes} edges={data.edges} selection={selection} onSelect={select} links={links} fmt={fmt} t={t} />
                </aside>
              </div>
              <EdgeTable nodes={data.nodes} edges={data.edges} selection={selection} onSelect={select} fmt={fmt} t={t} />
            </>
          )
        }
      </QueryState>
    </div>
  );
}

function Legend({ t }: { t: Messages }) {
  const colors = HEALTH_COLORS[useTheme().theme];
  return (
    <ul className={styles.legend} aria-label={t.legend}>
      {HEALTHS.map((h) => (
        <li key={h}>
          <span className={styles.swatch} style={{ background: colors[h] }} aria-hidden />
          {t[`health_${h}`]}
        </li>
      ))}
      <li>
        <span className={`${styles.swatch} ${styles.swatchDb}`} aria-hidden />
        {t.kind_database}
      </li>
      <li>
        <span className={`${styles.swatch} ${styles.swatchExternal}`} aria-hidden />
        {t.kind_external}
      </li>
    </ul>
  );
}

const rate = (fmt: Formatter, t: Messages, perMin: number) => t.perMin(fmt.number(perMin, perMin < 1 ? 2 : perMin < 10 ? 1 : 0));
const labelOf = (n: MapNode | undefined, id: string) => (n ? (n.system ? `${n.system} ${n.name}` : n.name) : id);

interface DetailsProps {
  nodes: MapNode[];
  edges: MapEdge[];
  selection: Selection;
  onSelect(s: Selection): void;
  links: Links;
  fmt: Formatter;
  t: Messages;
}

/** The selected node's RED figures and links, or the selected arrow's calls. */
function Details({ nodes, edges, selection, onSelect, links, fmt, t }: DetailsProps) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  if (selection && 'node' in selection) {
    const n = byId.get(selection.node);
    if (!n) return <p className="hint">{t.pickHint}</p>;
    const out = edges.filter((e) => e.source === n.id);
    const inc = edges.filter((e) => e.target === n.id);
    const edgeLink = (e: MapEdge, other: string) => (
      <li key={`${e.source}>${e.target}`}>
        <button type="button" className="link-button" onClick={() => onSelect({ caller: e.source, callee: e.target })}>
          {labelOf(byId.get(other), other)}
        </button>{' '}
        <span className="hint">
          {rate(fmt, t, e.figures.perMin)} · {fmt.percent(e.figures.errorRate)} · p95 {fmt.duration(e.figures.p95Ms)}
        </span>
      </li>
    );
    return (
      <div className="stack" data-testid="service-map-node">
        <PanelHead title={labelOf(n, n.id)} kind={t[`kind_${n.kind}`]} health={n.health} onClose={() => onSelect(undefined)} t={t} />
        <h3 className={styles.subhead}>{n.kind === 'service' ? t.transactionsOf : t.callsInto}</h3>
        {n.figures ? <Figures f={n.figures} apdex={n.apdex} fmt={fmt} t={t} /> : <p className="hint">{t.noFigures}</p>}
        {n.kind === 'service' && (
          <p className={styles.links}>
            <Link href={links.hitmap(n.name)}>{t.openHitmap(n.name)}</Link>
            <Link href={links.traces(n.name)}>{t.openTraces(n.name)}</Link>
          </p>
        )}
        {out.length > 0 && (
          <>
            <h3 className={styles.subhead}>{t.callsOut}</h3>
            <ul className={styles.edgeList}>{out.map((e) => edgeLink(e, e.target))}</ul>
          </>
        )}
        {inc.length > 0 && (
          <>
            <h3 className={styles.subhead}>{t.callsIn}</h3>
            <ul className={styles.edgeList}>{inc.map((e) => edgeLink(e, e.source))}</ul>
          </>
        )}
      </div>
    );
  }
  if (selection && 'caller' in selection) {
    const e = edges.find((x) => x.source === selection.caller && x.target === selection.callee);
    const from = byId.get(selection.caller);
    const to = byId.get(selection.callee);
    if (!e || !from || !to) return <p className="hint">{t.pickHint}</p>;
    return (
      <div className="stack" data-testid="service-map-edge">
        <PanelHead title={t.edgeTitle(labelOf(from, from.id), labelOf(to, to.id))} kind={t.calls} onClose={() => onSelect(undefined)} t={t} />
        <Figures f={e.figures} apdex={null} fmt={fmt} t={t} />
        <p className="hint">{t[`resolved_${e.resolvedBy}`]}</p>
        {to.kind === 'service' ? (
          <p className={styles.links}>
            <span className="hint">{t.edgeHitmapHint(to.name)}</span>
            <Link href={links.hitmap(to.name)}>{t.openHitmap(to.name)}</Link>
            <Link href={links.traces(to.name)}>{t.openTraces(to.name)}</Link>
          </p>
        ) : (
          <p className={styles.links}>
            <span className="hint">{t.leafHitmapHint(from.name)}</span>
            <Link href={links.hitmap(from.name)}>{t.openHitmap(from.name)}</Link>
            {to.kind === 'database' && <Link href={links.sql(from.name)}>{t.openSql(from.name)}</Link>}
          </p>
        )}
      </div>
    );
  }
  return <p className="hint">{t.pickHint}</p>;
}

function PanelHead({ title, kind, health, onClose, t }: { title: string; kind: string; health?: MapNode['health']; onClose(): void; t: Messages }) {
  return (
    <div className={styles.panelHead}>
      <div>
        <h2 className={styles.panelTitle}>{title}</h2>
        <span className="hint">
          {kind}
          {health && ` · ${t[`health_${health}`]}`}
        </span>
      </div>
      <button type="button" className="btn btn-small" onClick={onClose}>
        {t.close}
      </button>
    </div>
  );
}

function Figures({ f, apdex, fmt, t }: { f: NonNullable<MapNode['figures']>; apdex: number | null; fmt: Formatter; t: Messages }) {
  const rows: Array<[string, string, boolean?]> = [
    [t.throughput, rate(fmt, t, f.perMin)],
    [t.errorRate, `${fmt.percent(f.errorRate)} (${fmt.number(f.errors)} / ${fmt.number(f.count)})`, f.errors > 0],
    [t.avg, fmt.duration(f.avgMs)],
    [t.p95, fmt.duration(f.p95Ms)],
  ];
  if (apdex !== null) rows.push([t.apdex, fmt.number(apdex, 2)]);
  return (
    <dl className={styles.figures}>
      {rows.map(([k, v, bad]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd className={bad ? styles.bad : undefined}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Every arrow as a row (the canvas is not readable by screen readers, and a row is easier to hit than a line). */
function EdgeTable({ nodes, edges, selection, onSelect, fmt, t }: Omit<DetailsProps, 'links'>) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (
    <table className={`table ${styles.table}`} data-testid="service-map-edges">
      <thead>
        <tr>
          <th>{t.colCaller}</th>
          <th>{t.colCallee}</th>
          <th className={styles.num}>{t.throughput}</th>
          <th className={styles.num}>{t.errorRate}</th>
          <th className={styles.num}>{t.p95}</th>
        </tr>
      </thead>
      <tbody>
        {edges.map((e) => {
          const selected = selection && 'caller' in selection && selection.caller === e.source && selection.callee === e.target;
          return (
            <tr key={`${e.source}>${e.target}`} className={selected ? styles.selectedRow : undefined}>
              <td>
                <button type="button" className="link-button" onClick={() => onSelect({ node: e.source })}>
                  {labelOf(byId.get(e.source), e.source)}
                </button>
              </td>
              <td>
                <button type="button" className="link-button" onClick={() => onSelect({ caller: e.source, callee: e.target })}>
                  {labelOf(byId.get(e.target), e.target)}
                </button>
              </td>
              <td className={styles.num}>{rate(fmt, t, e.figures.perMin)}</td>
              <td className={`${styles.num} ${e.figures.errors ? styles.bad : ''}`}>{fmt.percent(e.figures.errorRate)}</td>
              <td className={styles.num}>{fmt.duration(e.figures.p95Ms)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
