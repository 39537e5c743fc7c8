'use client';

import type { DbHealthMetric, DbInstanceHealthDto, HealthLevel } from '@meridian/api-contract';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';
import { Empty, QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import styles from './database.module.css';
import { defaultThresholds, displayValue, groupInstances, HEALTH_METRICS, hexLabel, hexPoints, layoutHoneycomb, levelOf, type GroupBy } from './honeycomb';
import { databaseMessages, type DatabaseMessages } from './messages';

const RADIUS = 42;
/** Characters of a name that fit across a hexagon at the label's size. */
const LABEL_CHARS = 11;
const COLUMNS = 8;
const REFRESH_MS = 10_000;
const LEVELS: HealthLevel[] = ['ok', 'warning', 'critical', 'down', 'unknown'];

/** The honeycomb: one hexagon per database instance, coloured by a chosen health metric. */
export function DatabasesPage() {
  const t = useMessages(databaseMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const metric = (HEALTH_METRICS as string[]).includes(search.get('metric') ?? '') ? (search.get('metric') as DbHealthMetric) : 'activeSessions';
  const groupBy: GroupBy = search.get('group') === 'cluster' ? 'cluster' : 'system';
  const defaults = defaultThresholds(metric);
  const number = (key: string, fallback: number) => {
    const v = Number(search.get(key));
    return search.get(key) !== null && Number.isFinite(v) ? v : fallback;
  };
  const thresholds = { warning: number('warn', defaults.warning), critical: number('crit', defaults.critical) };
  const setView = (patch: Record<string, string | number | undefined>) =>
    router.replace(
      tenantHref('/databases', tenant.slug, {
        metric,
        group: groupBy === 'system' ? undefined : groupBy,
        warn: search.get('warn') ?? undefined,
        crit: search.get('crit') ?? undefined,
        ...patch,
      }),
    );

  const instances = useApiQuery('dbInstances', { params: { tenant: tenant.slug }, query: { last: '5m' } }, { refetchInterval: REFRESH_MS });
  const layout = useMemo(() => layoutHoneycomb(groupInstances(instances.data?.instances ?? [], groupBy), RADIUS, COLUMNS), [instances.data, groupBy]);
  const [hover, setHover] = useState<{ instance: DbInstanceHealthDto; x: number; y: number } | null>(null);
  const open = (i: DbInstanceHealthDto) => router.push(tenantHref('/databases/instance', tenant.slug, { instance: i.instance }));

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.dbTitle}</h1>
          <p className="hint">{t.dbIntro}</p>
        </div>
      </div>
      <div className={styles.controls}>
        <label>
          {t.colourBy}{' '}
          <select
            className="input"
            value={metric}
            onChange={(e) => setView({ metric: e.target.value, warn: undefined, crit: undefined })}
            data-testid="honeycomb-metric"
          >
            {HEALTH_METRICS.map((k) => (
              <option key={k} value={k}>
                {t[`metric_${k}`]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.warning}{' '}
          <input
            className={`input ${styles.threshold}`}
            type="number"
            min={0}
            step="any"
            value={thresholds.warning}
            onChange={(e) => setView({ warn: e.target.value })}
          />
        </label>
        <label>
          {t.critical}{' '}
          <input
            className={`input ${styles.threshold}`}
            type="number"
            min={0}
            step="any"
            value={thresholds.critical}
            onChange={(e) => setView({ crit: e.target.value })}
          />
        </label>
        <label>
          {t.groupBy}{' '}
          <select className="input" value={groupBy} onChange={(e) => setView({ group: e.target.value === 'system' ? undefined : e.target.value })}>
            <option value="system">{t.groupSystem}</option>
            <option value="cluster">{t.groupCluster}</option>
          </select>
        </label>
        <span className={styles.legend}>
          {LEVELS.map((l) => (
            <span key={l} className={styles.legendItem}>
              <svg width="14" height="14" aria-hidden>
                <polygon points={hexPoints(7, 7, 7)} className={`hex-${l}`} />
              </svg>
              {t[`level_${l}`]}
            </span>
          ))}
        </span>
      </div>
      <QueryState query={instances} loadingLabel={t.loading} failedTitle={t.failed}>
        {(data) =>
          data.instances.length === 0 ? (
            <Empty title={`${t.noDatabases}: 0`}>
              <p>{t.noDatabasesHelp}</p>
            </Empty>
          ) : (
            <div className={`card ${styles.honeycombBox}`}>
              <svg className={styles.honeycomb} width={layout.width + 8} height={layout.height + 8} role="img" aria-label={t.honeycomb} data-testid="honeycomb">
                {layout.groups.map((g) => (
                  <g key={g.key} transform="translate(4,4)">
                    <text x={0} y={g.y + 14} className={styles.groupLabel}>
                      {g.label || t.noCluster}
                    </text>
                    {g.hexes.map(({ instance, cx, cy }) => {
                      const level = levelOf(instance, metric, thresholds);
                      const value = displayValue(instance, metric);
                      return (
                        <g
                          key={instance.instance}
                          className={`hex hex-${level} ${styles.hex}`}
                          data-instance={instance.instance}
                          data-level={level}
                          role="link"
                          tabIndex={0}
                          aria-label={`${instance.name}: ${t[`level_${level}`]}`}
                          onClick={() => open(instance)}
                          onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && open(instance)}
                          onMouseEnter={() => setHover({ instance, x: cx, y: cy })}
                          onMouseLeave={() => setHover(null)}
                        >
                          <polygon points={hexPoints(cx, cy, RADIUS - 2)} />
                          <title>{instance.name}</title>
                          <text x={cx} y={cy - 4} className={styles.hexName}>
                            {hexLabel(instance.name, LABEL_CHARS).map((line, i, lines) => (
                              <tspan key={i} x={cx} dy={i === 0 ? (lines.length - 1) * -11 : 11}>
                                {line}
                              </tspan>
                            ))}
                          </text>
                          <text x={cx} y={cy + 13} className={styles.hexValue}>
                            {value === null ? '–' : fmt.number(value, value < 10 ? 1 : 0)}
                          </text>
                        </g>
                      );
                    })}
                  </g>
                ))}
              </svg>
              {hover && <HoverCard instance={hover.instance} x={hover.x} y={hover.y} t={t} fmt={fmt} />}
            </div>
          )
        }
      </QueryState>
    </div>
  );
}

function HoverCard({ instance: i, x, y, t, fmt }: { instance: DbInstanceHealthDto; x: number; y: number; t: DatabaseMessages; fmt: Formatter }) {
  const rows: Array<[string, string]> = [
    [t.activeSessions, i.activeSessions === null ? '–' : fmt.number(i.activeSessions)],
    [t.lockWaits, i.lockWaits === null ? '–' : fmt.number(i.lockWaits)],
    [t.queryP95, i.queryP95Ms === null ? '–' : fmt.duration(i.queryP95Ms)],
    [t.errorRate, i.errorRate === null ? '–' : fmt.percent(i.errorRate)],
    [
      t.connections,
      i.connections === null ? '–' : i.maxConnections ? `${fmt.number(i.connections)} / ${fmt.number(i.maxConnections)}` : fmt.number(i.connections),
    ],
    [t.callsPerMin, fmt.number(i.callsPerMin, 1)],
  ];
  return (
    <div className={`popover ${styles.hoverCard}`} style={{ left: x + RADIUS + 12, top: y - RADIUS }} role="tooltip" data-testid="honeycomb-hover">
      <strong>{i.name}</strong>
      <div className="hint">
        {i.system} · {i.instance}
        {i.cluster && ` · ${i.cluster}`}
      </div>
      <div className="hint">{i.up === null ? t.clientOnly : `${i.up ? t.up : t.down}${i.lastSeen ? ` · ${t.lastSeen} ${fmt.time(i.lastSeen)}` : ''}`}</div>
      <dl className={styles.figures}>
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
