'use client';

import type { HostSummaryDto } from '@meridian/api-contract';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { Empty, QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { formatBytes } from './bytes';
import {
  COLOUR_METRICS,
  groupHosts,
  SORT_KEYS,
  sortHosts,
  TILE_BANDS,
  tileAt,
  tileColour,
  tileGrid,
  tileSize,
  type ColourMetric,
  type HostGroup,
  type SortDir,
  type SortKey,
} from './host-tiles';
import { serversMessages, type ServersMessages } from './messages';
import styles from './servers.module.css';

const REFRESH_MS = 15_000;
const SPANS = ['15m', '1h', '6h', '24h'] as const;
const DEFAULT_GROUP = 'deployment.environment';
/** `group=-` in the URL: no grouping (an empty value would read as the default). */
const NO_GROUP = '-';
const DOWN_CHOICES = [1, 3, 5, 10, 30] as const;
const ROW_HEIGHT = 30;
const LIST_HEIGHT = 560;

const pick = <T extends string>(v: string | null, choices: readonly T[], fallback: T): T =>
  (choices as readonly string[]).includes(v ?? '') ? (v as T) : fallback;

/** Every host as a tile (canvas) grouped by a resource attribute, with a sortable, virtualized list beside it. */
export function ServersPage() {
  const t = useMessages(serversMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const span = pick(search.get('last'), SPANS, '1h');
  const colour = pick(search.get('colour'), COLOUR_METRICS, 'cpu');
  const sort = pick(search.get('sort'), SORT_KEYS, 'cpu');
  const dir: SortDir = search.get('dir') === 'asc' ? 'asc' : 'desc';
  const groupParam = search.get('group');
  const group = groupParam === NO_GROUP ? '' : (groupParam ?? DEFAULT_GROUP);
  const downParam = Number(search.get('down'));
  const downAfter = (DOWN_CHOICES as readonly number[]).includes(downParam) ? downParam : 3;
  const setView = (patch: Record<string, string | number | undefined>) =>
    router.replace(
      tenantHref('/servers', tenant.slug, {
        last: span === '1h' ? undefined : span,
        colour: colour === 'cpu' ? undefined : colour,
        group: group === DEFAULT_GROUP ? undefined : group || NO_GROUP,
        sort: sort === 'cpu' ? undefined : sort,
        dir: dir === 'desc' ? undefined : dir,
        down: downAfter === 3 ? undefined : downAfter,
        ...patch,
      }),
      { scroll: false },
    );

  const hosts = useApiQuery(
    'hosts',
    { params: { tenant: tenant.slug }, query: { last: span, groupBy: group, downAfterMinutes: downAfter } },
    { refetchInterval: REFRESH_MS },
  );
  const data = hosts.data;
  const groups = useMemo(() => (data ? groupHosts(data.hosts, colour) : []), [data, colour]);
  const sorted = useMemo(() => (data ? sortHosts(data.hosts, sort, dir) : []), [data, sort, dir]);
  const open = (h: HostSummaryDto) => router.push(tenantHref('/servers/host', tenant.slug, { host: h.host }));
  const groupKeys = useMemo(() => [...new Set([DEFAULT_GROUP, ...(data?.attributeKeys ?? []), group])].filter((k) => k !== ''), [data, group]);

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.title}</h1>
          <p className="hint">{t.intro}</p>
        </div>
      </div>
      <div className={styles.controls}>
        <ChoiceButtons label={t.window} choices={SPANS} value={span} onPick={(s) => setView({ last: s === '1h' ? undefined : s })} text={t.spanLabel} joined />
        <ChoiceButtons
          label={t.colourBy}
          choices={COLOUR_METRICS}
          value={colour}
          onPick={(c) => setView({ colour: c === 'cpu' ? undefined : c })}
          text={(c) => t[`colour_${c}`]}
          joined
          testId="servers-colour"
        />
        <label>
          {t.groupBy}{' '}
          <select
            className="input"
            value={group}
            onChange={(e) => setView({ group: e.target.value === DEFAULT_GROUP ? undefined : e.target.value || NO_GROUP })}
            data-testid="servers-group"
          >
            <option value="">{t.noGroup}</option>
            {groupKeys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.downAfter}{' '}
          <select className="input" value={downAfter} onChange={(e) => setView({ down: Number(e.target.value) === 3 ? undefined : e.target.value })}>
            {DOWN_CHOICES.map((n) => (
              <option key={n} value={n}>
                {t.minutes(n)}
              </option>
            ))}
          </select>
        </label>
        <span className={styles.legend}>
          {TILE_BANDS.map((b) => (
            <span key={b.label} className={styles.legendItem}>
              <i style={{ background: b.colour }} />
              {b.label}
            </span>
          ))}
          <span className={styles.legendItem}>
            <i style={{ background: '#424242' }} />
            {t.legendDown}
          </span>
          <span className={styles.legendItem}>
            <i style={{ background: '#9e9e9e' }} />
            {t.legendUnknown}
          </span>
        </span>
      </div>
      <QueryState query={hosts} loadingLabel={t.loading} failedTitle={t.failed}>
        {(d) =>
          d.hosts.length === 0 ? (
            <Empty title={t.noHosts}>
              <p>{t.noHostsHelp}</p>
            </Empty>
          ) : (
            <>
              <p className="hint" data-testid="servers-count">
                {t.hostCount(d.hosts.length, d.hosts.filter((h) => h.down).length)}
                {d.truncated && ` ${t.truncated(d.hosts.length)}`}
              </p>
              <div className={styles.layout}>
                <section className={`card ${styles.tiles}`} aria-label={t.tiles} data-testid="servers-tiles">
                  {groups.map((g) => (
                    <TileGroup key={g.key} group={g} colour={colour} t={t} fmt={fmt} grouped={group !== ''} onOpen={open} />
                  ))}
                </section>
                <HostList
                  hosts={sorted}
                  sort={sort}
                  dir={dir}
                  t={t}
                  fmt={fmt}
                  tenant={tenant.slug}
                  onSort={(k, nd) => setView({ sort: k === 'cpu' ? undefined : k, dir: nd === 'desc' ? undefined : nd })}
                />
              </div>
            </>
          )
        }
      </QueryState>
    </div>
  );
}

/** One group's tiles on a canvas: thousands of hosts stay one draw call each, not thousands of DOM nodes. */
function TileGroup({
  group,
  colour,
  t,
  fmt,
  grouped,
  onOpen,
}: {
  group: HostGroup;
  colour: ColourMetric;
  t: ServersMessages;
  fmt: Formatter;
  grouped: boolean;
  onOpen(h: HostSummaryDto): void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ host: HostSummaryDto; x: number; y: number } | null>(null);
  const size = tileSize(group.hosts.length);
  const { columns, height } = tileGrid(group.hosts.length, width, size);

  useEffect(() => {
    const el = canvas.current?.parentElement;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const ratio = window.devicePixelRatio || 1;
    c.width = Math.floor(width * ratio);
    c.height = Math.floor(height * ratio);
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.scale(ratio, ratio);
    ctx.clearRect(0, 0, width, height);
    group.hosts.forEach((h, i) => {
      ctx.fillStyle = tileColour(h, colour);
      ctx.fillRect((i % columns) * (size + 2), Math.floor(i / columns) * (size + 2), size, size);
    });
  }, [group, colour, width, height, columns, size]);

  const hostAt = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const i = tileAt(e.clientX - r.left, e.clientY - r.top, group.hosts.length, columns, size);
    return i < 0 ? null : { host: group.hosts[i], x: e.clientX - r.left, y: e.clientY - r.top };
  };
  return (
    <div className={styles.group} data-group={group.key}>
      {grouped && (
        <h3 className={styles.groupTitle}>
          {group.key || t.notGrouped} <span className="hint">{t.hostCount(group.hosts.length, group.down)}</span>
        </h3>
      )}
      <div className={styles.canvasBox}>
        <canvas
          ref={canvas}
          style={{ width, height }}
          className={styles.canvas}
          data-testid="servers-canvas"
          data-hosts={group.hosts.length}
          onMouseMove={(e) => setHover(hostAt(e))}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => {
            const h = hostAt(e);
            if (h) onOpen(h.host);
          }}
        >
          {t.tiles}
        </canvas>
        {hover && (
          <div className={`popover ${styles.hoverCard}`} style={{ left: hover.x + 12, top: hover.y + 12 }} role="tooltip" data-testid="servers-hover">
            <strong>{hover.host.host}</strong>
            {hover.host.down && <span className="badge">{t.down}</span>}
            <div className="hint">
              {t.colCpu} {pct(fmt, hover.host.cpu)} · {t.colMemory} {pct(fmt, hover.host.memory)} · {t.colDisk} {pct(fmt, hover.host.disk)}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}

const pct = (fmt: Formatter, v: number | null) => (v === null ? '–' : fmt.percent(v));

/** The sortable list; only the rows in view are in the DOM (a fixed row height makes that a slice). */
function HostList({
  hosts,
  sort,
  dir,
  t,
  fmt,
  tenant,
  onSort,
}: {
  hosts: HostSummaryDto[];
  sort: SortKey;
  dir: SortDir;
  t: ServersMessages;
  fmt: Formatter;
  tenant: string;
  onSort(key: SortKey, dir: SortDir): void;
}) {
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 5);
  const last = Math.min(hosts.length, Math.ceil((scrollTop + LIST_HEIGHT) / ROW_HEIGHT) + 5);
  const columns: Array<{ key: SortKey; label: string; cell(h: HostSummaryDto): string }> = [
    { key: 'host', label: t.colHost, cell: (h) => h.host },
    { key: 'cpu', label: t.colCpu, cell: (h) => pct(fmt, h.cpu) },
    { key: 'memory', label: t.colMemory, cell: (h) => pct(fmt, h.memory) },
    { key: 'disk', label: t.colDisk, cell: (h) => pct(fmt, h.disk) },
    { key: 'network', label: t.colNetwork, cell: (h) => (h.networkBytesPerSec === null ? '–' : `${formatBytes(fmt, h.networkBytesPerSec)}/s`) },
    { key: 'load', label: t.colLoad, cell: (h) => (h.load1 === null ? '–' : fmt.number(h.load1, 2)) },
    { key: 'lastSeen', label: t.colLastSeen, cell: (h) => fmt.time(h.lastSeen) },
  ];
  return (
    <section className={`card ${styles.list}`} aria-label={t.list}>
      <div role="table" aria-rowcount={hosts.length + 1} data-testid="servers-list">
        <div role="row" className={`${styles.row} ${styles.head}`}>
          {columns.map((c) => (
            <span role="columnheader" key={c.key} aria-sort={c.key === sort ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
              <button
                type="button"
                className={styles.sortButton}
                data-sort={c.key}
                onClick={() => onSort(c.key, c.key === sort ? (dir === 'asc' ? 'desc' : 'asc') : c.key === 'host' ? 'asc' : 'desc')}
                title={c.key === sort ? t.sortedBy(c.label, dir) : undefined}
              >
                {c.label}
                {c.key === sort && (dir === 'asc' ? ' ▲' : ' ▼')}
              </button>
            </span>
          ))}
        </div>
        <div
          className={styles.viewport}
          style={{ height: Math.min(LIST_HEIGHT, hosts.length * ROW_HEIGHT) }}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        >
          <div style={{ height: hosts.length * ROW_HEIGHT, position: 'relative' }}>
            {hosts.slice(first, last).map((h, i) => (
              <div
                role="row"
                key={h.host}
                aria-rowindex={first + i + 2}
                className={`${styles.row} ${h.down ? styles.downRow : ''}`}
                style={{ position: 'absolute', top: (first + i) * ROW_HEIGHT, height: ROW_HEIGHT, left: 0, right: 0 }}
                data-host={h.host}
                data-down={h.down}
              >
                {columns.map((c) => (
                  <span role="cell" key={c.key} className={c.key === 'host' ? styles.hostCell : styles.num}>
                    {c.key === 'host' ? (
                      <>
                        <Link href={tenantHref('/servers/host', tenant, { host: h.host })}>{h.host}</Link>
                        {h.down && <span className={`badge ${styles.downBadge}`}>{t.down}</span>}
                      </>
                    ) : (
                      c.cell(h)
                    )}
                  </span>
                ))}
              </div>
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}
