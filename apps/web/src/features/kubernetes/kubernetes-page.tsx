'use client';

import type { PodFiguresDto } from '@meridian/api-contract';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';
import { Empty, QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { isRestarting, levelOf, nestPods, USE_LEVELS, type ColourBy } from './cluster-map';
import styles from './kubernetes.module.css';
import { kubernetesMessages, type KubernetesMessages } from './messages';

const REFRESH_MS = 15_000;
const SPANS = ['15m', '1h', '6h', '24h'] as const;
type Span = (typeof SPANS)[number];
const DEFAULT_SPAN: Span = '15m';
const MIB = 1024 * 1024;

/** `/kubernetes`: one cluster's namespaces → workloads → pods → containers, coloured by use against limits. */
export function KubernetesPage() {
  const t = useMessages(kubernetesMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const cluster = search.get('cluster') ?? undefined;
  const namespace = search.get('namespace') || undefined;
  const by: ColourBy = search.get('by') === 'memory' ? 'memory' : 'cpu';
  const span = (SPANS as readonly string[]).includes(search.get('last') ?? '') ? (search.get('last') as Span) : DEFAULT_SPAN;
  const setView = (patch: Record<string, string | undefined>) =>
    router.replace(
      tenantHref('/kubernetes', tenant.slug, {
        cluster,
        namespace,
        by: by === 'cpu' ? undefined : by,
        last: span === DEFAULT_SPAN ? undefined : span,
        ...patch,
      }),
      { scroll: false },
    );
  const map = useApiQuery('kubernetesMap', { params: { tenant: tenant.slug }, query: { last: span, cluster, namespace } }, { refetchInterval: REFRESH_MS });
  const nested = useMemo(() => nestPods(map.data?.pods ?? []), [map.data]);
  const [hover, setHover] = useState<{ pod: PodFiguresDto; x: number; y: number } | null>(null);
  const podHref = (p: PodFiguresDto) =>
    tenantHref('/kubernetes/pod', tenant.slug, {
      cluster: map.data?.cluster ?? '',
      namespace: p.namespace,
      pod: p.name,
      last: span === '15m' ? undefined : span,
    });

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.title}</h1>
          <p className="hint">{t.intro}</p>
        </div>
      </div>
      {map.data?.demo && (
        <p className="notice notice-info" data-testid="k8s-demo-notice">
          {t.demoNotice}
        </p>
      )}
      <div className={styles.controls}>
        <label>
          {t.cluster}{' '}
          <select
            className="input"
            value={map.data?.cluster ?? cluster ?? ''}
            onChange={(e) => setView({ cluster: e.target.value, namespace: undefined })}
            data-testid="k8s-cluster"
          >
            {(map.data?.clusters ?? []).map((c) => (
              <option key={c.name} value={c.name}>
                {c.name || t.unnamedCluster} ({c.pods})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.namespace}{' '}
          <select className="input" value={namespace ?? ''} onChange={(e) => setView({ namespace: e.target.value || undefined })} data-testid="k8s-namespace">
            <option value="">{t.allNamespaces}</option>
            {(map.data?.namespaces ?? []).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.colourBy}{' '}
          <select className="input" value={by} onChange={(e) => setView({ by: e.target.value === 'cpu' ? undefined : e.target.value })} data-testid="k8s-by">
            <option value="cpu">{t.cpu}</option>
            <option value="memory">{t.memory}</option>
          </select>
        </label>
        <label>
          {t.window}{' '}
          <select className="input" value={span} onChange={(e) => setView({ last: e.target.value === DEFAULT_SPAN ? undefined : e.target.value })}>
            {SPANS.map((s) => (
              <option key={s} value={s}>
                {t.spanLabel(s)}
              </option>
            ))}
          </select>
        </label>
        <span className={styles.legend}>
          {USE_LEVELS.map((l) => (
            <span key={l} className={styles.legendItem}>
              <span className={`${styles.swatch} ${styles[`use_${l}`]}`} aria-hidden />
              {t[`level_${l}`]}
            </span>
          ))}
          <span className={styles.legendItem}>
            <span className={`${styles.swatch} ${styles.restartingSwatch}`} aria-hidden />
            {t.restarting}
          </span>
          <span className={styles.legendItem}>
            <span className={`${styles.swatch} ${styles.notReadySwatch}`} aria-hidden />
            {t.notReady}
          </span>
        </span>
      </div>
      <QueryState query={map} loadingLabel={t.loading} failedTitle={t.failed}>
        {(data) =>
          data.pods.length === 0 ? (
            <Empty title={t.noPods}>
              <p>{t.noPodsHelp}</p>
            </Empty>
          ) : (
            <div className={`card ${styles.mapBox}`}>
              <p className="hint" data-testid="k8s-summary">
                {t.summary(data.pods.length, data.pods.filter((p) => !p.ready).length, data.pods.filter(isRestarting).length)}
              </p>
              {data.truncated && <p className="notice notice-warn">{t.truncated(data.pods.length)}</p>}
              <div className={styles.map} role="list" aria-label={t.map} data-testid="k8s-map">
                {nested.map((ns) => (
                  <section key={ns.name} className={styles.namespace} data-namespace={ns.name} role="listitem">
                    <h3 className={styles.nsName}>{ns.name}</h3>
                    <div className={styles.workloads}>
                      {ns.workloads.map((w) => (
                        <div key={w.key} className={styles.workload} data-workload={w.name}>
                          <div className={styles.workloadName} title={w.kind || t.workloadInferred}>
                            {w.name}
                            {w.kind && <span className="hint"> · {w.kind}</span>}
                          </div>
                          <div className={styles.pods}>
                            {w.pods.map((p) => {
                              const restarting = isRestarting(p);
                              return (
                                <Link
                                  key={p.name}
                                  href={podHref(p)}
                                  className={`${styles.pod} ${restarting ? styles.restarting : ''} ${p.ready ? '' : styles.notReady}`}
                                  data-pod={p.name}
                                  data-restarting={restarting}
                                  data-ready={p.ready}
                                  aria-label={`${p.name}${p.ready ? '' : ` · ${t.notReady}`}${restarting ? ` · ${t.restarting}` : ''}`}
                                  onMouseEnter={(e) =>
                                    setHover({ pod: p, x: e.currentTarget.offsetLeft, y: e.currentTarget.offsetTop + e.currentTarget.offsetHeight })
                                  }
                                  onMouseLeave={() => setHover(null)}
                                >
                                  {p.containers.map((c) => {
                                    const level = levelOf(c, by);
                                    return (
                                      <span
                                        key={c.name}
                                        className={`${styles.container} ${styles[`use_${level}`]}`}
                                        data-container={c.name}
                                        data-level={level}
                                      />
                                    );
                                  })}
                                </Link>
                              );
                            })}
                          </div>
                        </div>
                      ))}
                    </div>
                  </section>
                ))}
              </div>
              {hover && <PodCard pod={hover.pod} x={hover.x} y={hover.y} t={t} fmt={fmt} />}
            </div>
          )
        }
      </QueryState>
    </div>
  );
}

function PodCard({ pod: p, x, y, t, fmt }: { pod: PodFiguresDto; x: number; y: number; t: KubernetesMessages; fmt: Formatter }) {
  const share = (v: number | null) => (v === null ? t.noLimit : `${fmt.percent(v)} ${t.ofLimit}`);
  return (
    <div className={`popover ${styles.hoverCard}`} style={{ left: x, top: y + 4 }} role="tooltip" data-testid="k8s-hover">
      <strong>{p.name}</strong>
      <div className="hint">
        {p.namespace} · {p.workload}
        {p.workloadKind && ` (${p.workloadKind})`} · {t.node} {p.node || '–'}
      </div>
      <div className="hint">
        {t.phase} {p.phase ?? '–'} · {t.ready} {p.ready ? t.yes : t.no} · {t.restarts} {fmt.number(p.restarts)} ({t.restartsInWindow}{' '}
        {fmt.number(p.restartsInWindow)})
      </div>
      <table className={styles.hoverTable}>
        <tbody>
          {p.containers.map((c) => (
            <tr key={c.name}>
              <th>{c.name}</th>
              <td>
                {t.cpu} {c.cpu === null ? '–' : fmt.number(c.cpu, 3)} · {share(c.cpuOfLimit)}
              </td>
              <td>
                {t.memory} {c.memory === null ? '–' : `${fmt.number(c.memory / MIB, 0)} MiB`} · {share(c.memoryOfLimit)}
              </td>
              <td>{c.ready === false ? t.notReady : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
