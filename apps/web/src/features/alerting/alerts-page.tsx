'use client';

import { ALERT_METRIC_UNITS } from '@meridian/api-contract';
import Link from 'next/link';
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
  return (
    <table className="table" data-testid="firing">
      <thead>
        <tr>
          <th>{t.colSeverity}</th>
          <th>{t.colRule}</th>
          <th>{t.colCondition}</th>
          <th>{t.colValue}</th>
          <th>{t.colScope}</th>
          <th>{t.colSince}</th>
          <th>{t.colLink}</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => {
          // The firing list names the rule; its metric, thresholds and scope come from the rule.
          const rule = rules.find((r) => r.id === a.ruleId);
          const threshold = rule && a.severity ? rule[a.severity] : undefined;
          const since = a.since ? Date.parse(a.since) : undefined;
          const win = rule && since !== undefined ? alertHitmapWindow(since, rule.windowSeconds, now) : undefined;
          return (
            <tr key={a.ruleId}>
              <td>
                <SeverityBadge t={t} severity={a.severity} />
              </td>
              <td>
                <Link href={tenantHref('/alerts/rule', tenant.slug, { id: a.ruleId })}>{a.name}</Link>
              </td>
              <td>
                {rule && a.severity && threshold !== undefined
                  ? t.crossed(metricLabel(t, rule.metric), t[rule.direction], t[`inText_${a.severity}`], formatMetricValue(fmt, rule.metric, threshold))
                  : '–'}
              </td>
              <td className="nowrap">{rule && a.value !== null ? formatMetricValue(fmt, rule.metric, a.value) : (a.value ?? '–')}</td>
              <td>{rule ? scopeText(t, rule) : '–'}</td>
              <td className="nowrap">{a.since ? fmt.dateTime(a.since) : '–'}</td>
              <td>
                {win && (
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
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RulesTable({ rules }: { rules: readonly AlertRule[] }) {
  const t = useMessages(alertingMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  return (
    <table className="table" data-testid="rules">
      <thead>
        <tr>
          <th>{t.colRule}</th>
          <th>{t.metric}</th>
          <th>{t.colScope}</th>
          <th>{t.colThresholds}</th>
          <th>{t.colEnabled}</th>
          <th>{t.colState}</th>
        </tr>
      </thead>
      <tbody>
        {rules.map((r) => {
          const unit = ALERT_METRIC_UNITS[r.metric];
          return (
            <tr key={r.id} className={r.enabled ? undefined : 'row-dim'}>
              <td>
                <Link href={tenantHref('/alerts/rule', tenant.slug, { id: r.id })}>{r.name}</Link>
                <div className="hint">{r.key}</div>
              </td>
              <td>
                {metricLabel(t, r.metric)} <span className="muted">{t[r.direction]}</span>
              </td>
              <td>{scopeText(t, r)}</td>
              <td className="nowrap" title={unit}>
                {thresholdsText(fmt, r)}
              </td>
              <td>{r.enabled ? t.yes : t.no}</td>
              <td>
                <StateBadge t={t} rule={r} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
