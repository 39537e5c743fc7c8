'use client';

import type { AlertMetric } from '@meridian/api-contract';
import type { Formatter } from '../../lib/format';
import styles from './alerting.module.css';
import type { AlertingMessages } from './messages';
import { formatMetricValue, type AlertRule } from './rule-form';

export const metricLabel = (t: AlertingMessages, metric: AlertMetric) => t[`metric_${metric}`];

export function SeverityBadge({ t, severity }: { t: AlertingMessages; severity: 'warning' | 'critical' | null }) {
  if (!severity) return null;
  return <span className={`badge ${styles[severity]}`}>{t[severity]}</span>;
}

/** OK / pending / firing (with its severity) / disabled. */
export function StateBadge({ t, rule }: { t: AlertingMessages; rule: AlertRule }) {
  if (!rule.enabled) return <span className={`badge ${styles.disabled}`}>{t.stateDisabled}</span>;
  const { state, severity } = rule.state;
  const label = state === 'firing' ? t.stateFiring : state === 'pending' ? t.statePending : t.stateOk;
  return (
    <span className={`badge ${styles[state]}`}>
      {label}
      {state !== 'ok' && severity ? ` · ${t[severity]}` : ''}
    </span>
  );
}

/** Where a rule looks: `service checkout · endpoint POST /pay`, or "all". */
export function scopeText(
  t: AlertingMessages,
  r: Pick<AlertRule, 'service' | 'endpoint' | 'dbInstance' | 'host' | 'podPrefix' | 'resourceAttributes'>,
): string {
  const parts = [
    r.service && `${t.scopeService} ${r.service}`,
    r.endpoint && `${t.scopeEndpoint} ${r.endpoint}`,
    r.dbInstance && `${t.scopeDb} ${r.dbInstance}`,
    r.host && `${t.scopeHost} ${r.host}`,
    r.podPrefix && `${t.scopePod} ${r.podPrefix}*`,
    ...Object.entries(r.resourceAttributes ?? {}).map(([k, v]) => `${k}=${v}`),
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : t.anyScope;
}

export function thresholdsText(fmt: Formatter, r: Pick<AlertRule, 'metric' | 'warning' | 'critical'>): string {
  const v = (x: number | undefined) => (x === undefined ? '–' : formatMetricValue(fmt, r.metric, x));
  return `${v(r.warning)} / ${v(r.critical)}`;
}
