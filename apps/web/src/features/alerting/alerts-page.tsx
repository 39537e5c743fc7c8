'use client';

import { ALERT_METRIC_UNITS } from '@meridian/api-contract';
import Link from 'next/link';
import { DataTable } from '../../components/data-table';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useApiQuery, type Output } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { roleAtLeast } from '../../lib/roles';
import { tenantHref, useTenant } from '../../lib/tenant';
import styles from './alerting.module.css';
import { alertingMessages } from './messages';
import { metricLabel, scopeText, SeverityBadge, StateBadge, thresholdsText } from './parts';
import { alertHitmapWindow, formatMetricValue, type AlertRule } from './rule-form';
import { Silences } from './silences';

const REFRESH_MS = 5_000;
type Firing = Output<'listFiringAlerts'>['alerts'][number];

/** The alerting overview: what fires now, every rule with its thresholds and state, silences. */
export function AlertsPage() {
  const t = useMessages(alertingMessages);
  const tenant = useTenant();
  const params = { tenant: tenant.slug };
  const rules = useApiQuery('listAlertRules', { params }, { refetchInterval: REFRESH_MS });
  const firing = useApiQuery('listFiringAlerts', { params }, { refetchInterval: REFRESH_MS });
  const canWrite = roleAtLeast(tenant.role, 'member');
  const ruleList = rules.data?.rules ?? [];

  return (
    <div className="stack">
      {!canWrite && <p className="muted">{t.readOnly}</p>}
      <section className="card" aria-labelledby="firing-title">
        <h2 id="firing-title">{t.firingTitle}</h2>
        {firing.isPending || rules.isPending ? (
          <Loading />
        ) : firing.error || rules.error ? (
          <ErrorNotice error={firing.error ?? rules.error} onRetry={() => void Promise.all([firing.refetch(), rules.refetch()])} />
        ) : firing.data.alerts.length === 0 ? (
          <Empty title={t.noneFiring}>{t.noneFiringHelp}</Empty>
        ) : (
          <FiringTable alerts={firing.data.alerts} rules={ruleList} now={firing.dataUpdatedAt} />
        )}
      </section>

      <section className="card" aria-labelledby="rules-title">
        <div className={styles.head}>
          <h2 id="rules-title">{t.rulesTitle}</h2>
          {canWrite && (
            <Link className="btn btn-primary" href={tenantHref('/alerts/rule', tenant.slug)}>
              {t.newRule}
            </Link>
          )}
        </div>
        {rules.isPending ? (
          <Loading />
        ) : rules.error ? (
          <ErrorNotice error={rules.error} onRetry={() => void rules.refetch()} />
        ) : ruleList.length === 0 ? (
          <Empty title={t.noRules}>{t.noRulesHelp}</Empty>
        ) : (
          <RulesTable rules={ruleList} />
        )}
      </section>

      {rules.data && <Silences rules={ruleList} />}
    </div>
  );
}

/** `now`: when the list was read, the end of each alert's hitmap window. */
function FiringTable({ alerts, rules, now }: { alerts: readonly Firing[]; rules: readonly AlertRule[]; now: number }) {
  const t = useMessages(alertingMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  // The firing list names the rule; its metric, thresholds and scope come from the rule.
  const rows = alerts.map((a) => {
    const rule = rules.find((r) => r.id === a.ruleId);
    const since = a.since ? Date.parse(a.since) : undefined;
    return {
      a,
      rule,
      threshold: rule && a.severity ? rule[a.severity] : undefined,
      win: rule && since !== undefined ? alertHitmapWindow(since, rule.windowSeconds, now) : undefined,
    };
  });
  return (
    <DataTable
      rows={rows}
      rowKey={({ a }) => a.ruleId}
      testId="firing"
      columns={[
        { header: t.colSeverity, cell: ({ a }) => <SeverityBadge t={t} severity={a.severity} /> },
        { header: t.colRule, cell: ({ a }) => <Link href={tenantHref('/alerts/rule', tenant.slug, { id: a.ruleId })}>{a.name}</Link> },
        {
          header: t.colCondition,
          cell: ({ a, rule, threshold }) =>
            rule && a.severity && threshold !== undefined
              ? t.crossed(metricLabel(t, rule.metric), t[rule.direction], t[`inText_${a.severity}`], formatMetricValue(fmt, rule.metric, threshold))
              : '–',
        },
        {
          header: t.colValue,
          className: 'nowrap',
          cell: ({ a, rule }) => (rule && a.value !== null ? formatMetricValue(fmt, rule.metric, a.value) : (a.value ?? '–')),
        },
        { header: t.colScope, cell: ({ rule }) => (rule ? scopeText(t, rule) : '–') },
        { header: t.colSince, className: 'nowrap', cell: ({ a }) => (a.since ? fmt.dateTime(a.since) : '–') },
        {
          header: t.colLink,
          cell: ({ rule, win }) =>
            // Infrastructure rules open the page that shows the hosts or pods; the others the hitmap at the alert's window.
            rule?.metric === 'host_down' ? (
              <Link href={rule.host ? tenantHref('/servers/host', tenant.slug, { host: rule.host }) : tenantHref('/servers', tenant.slug)}>
                {t.openServers}
              </Link>
            ) : rule?.metric === 'pod_restarts' ? (
              <Link href={tenantHref('/kubernetes', tenant.slug, { namespace: rule.resourceAttributes?.['k8s.namespace.name'] })}>{t.openKubernetes}</Link>
            ) : (
              win && (
                <Link
                  href={tenantHref('/hitmap', tenant.slug, {
                    from: new Date(win.from).toISOString(),
                    to: new Date(win.to).toISOString(),
                    service: rule?.service,
                    endpoint: rule?.endpoint,
                  })}
                >
                  {t.openHitmap}
                </Link>
              )
            ),
        },
      ]}
    />
  );
}

function RulesTable({ rules }: { rules: readonly AlertRule[] }) {
  const t = useMessages(alertingMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  return (
    <DataTable
      rows={rules}
      rowKey={(r) => r.id}
      testId="rules"
      rowProps={(r) => ({ className: r.enabled ? undefined : 'row-dim' })}
      columns={[
        {
          header: t.colRule,
          cell: (r) => (
            <>
              <Link href={tenantHref('/alerts/rule', tenant.slug, { id: r.id })}>{r.name}</Link>
              <div className="hint">{r.key}</div>
            </>
          ),
        },
        {
          header: t.metric,
          cell: (r) => (
            <>
              {metricLabel(t, r.metric)} <span className="muted">{t[r.direction]}</span>
            </>
          ),
        },
        { header: t.colScope, cell: (r) => scopeText(t, r) },
        { header: t.colThresholds, className: 'nowrap', title: (r) => ALERT_METRIC_UNITS[r.metric], cell: (r) => thresholdsText(fmt, r) },
        { header: t.colEnabled, cell: (r) => (r.enabled ? t.yes : t.no) },
        { header: t.colState, cell: (r) => <StateBadge t={t} rule={r} /> },
      ]}
    />
  );
}
