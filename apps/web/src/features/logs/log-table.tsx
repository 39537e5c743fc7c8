'use client';

import Link from 'next/link';
import { Fragment, useState } from 'react';
import type { Output } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { levelOf } from './log-view';
import styles from './logs.module.css';
import { logsMessages } from './messages';

type LogRecord = Output<'logs'>['logs'][number];

/** Log records, newest first; a row opens its attributes, a trace id links to the trace (at its span). */
export function LogTable({ logs, showTrace = true }: { logs: LogRecord[]; showTrace?: boolean }) {
  const t = useMessages(logsMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const [open, setOpen] = useState<string | undefined>();
  const keyOf = (l: LogRecord, i: number) => `${l.unixNanos}-${l.spanId}-${i}`;
  return (
    <table className={`table ${styles.table}`} data-testid="log-table">
      <thead>
        <tr>
          <th className={styles.colTime}>{t.colTime}</th>
          <th className={styles.colLevel}>{t.colLevel}</th>
          <th className={styles.colService}>{t.colService}</th>
          <th>{t.colBody}</th>
          {showTrace && <th className={styles.colTrace}>{t.colTrace}</th>}
        </tr>
      </thead>
      <tbody>
        {logs.map((l, i) => {
          const key = keyOf(l, i);
          const expanded = open === key;
          const level = levelOf(l.severityNumber);
          return (
            <Fragment key={key}>
              <tr
                className={styles.row}
                onClick={() => setOpen(expanded ? undefined : key)}
                onKeyDown={(e) => {
                  if (e.key !== 'Enter' && e.key !== ' ') return;
                  e.preventDefault();
                  setOpen(expanded ? undefined : key);
                }}
                tabIndex={0}
                aria-expanded={expanded}
                data-testid="log-row"
              >
                <td className={styles.time} title={l.time}>
                  {timeWithMs(fmt, l.time)}
                </td>
                <td>
                  <span className={`${styles.level} ${styles[`level_${level}`] ?? ''}`} title={l.severityText || t[`level_${level}`]}>
                    {l.severityText || t[`level_${level}`]}
                  </span>
                </td>
                <td>{l.service}</td>
                <td>
                  {/* Text only: React escapes whatever the body holds. */}
                  <pre className={`${styles.body} ${expanded ? '' : styles.collapsed}`}>{l.body}</pre>
                </td>
                {showTrace && (
                  <td>
                    {l.traceId && (
                      <Link
                        href={tenantHref('/trace', tenant.slug, { id: l.traceId, span: l.spanId || undefined })}
                        title={`${t.openTrace} ${l.traceId}`}
                        onClick={(e) => e.stopPropagation()}
                        data-testid="log-trace-link"
                      >
                        {l.traceId.slice(0, 8)}…
                      </Link>
                    )}
                  </td>
                )}
              </tr>
              {expanded && (
                <tr>
                  <td colSpan={showTrace ? 5 : 4}>
                    <div className={styles.details} data-testid="log-details">
                      <KeyValues
                        title={t.details}
                        entries={{ [t.host]: l.hostName, [t.scope]: l.scopeName, [t.traceId]: l.traceId, [t.spanId]: l.spanId, [t.colTime]: l.time }}
                      />
                      <KeyValues title={t.attributes} entries={l.attributes} />
                      <KeyValues title={t.resourceAttributes} entries={l.resourceAttributes} />
                    </div>
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

/** The record's time in the user's zone, to the millisecond (log lines of one request are ms apart). */
function timeWithMs(fmt: Formatter, iso: string): string {
  const ms = Date.parse(iso);
  return `${fmt.dateTime(ms)}.${String(((ms % 1000) + 1000) % 1000).padStart(3, '0')}`;
}

/** Non-empty entries as a sorted key/value table (values are text; React escapes them). */
function KeyValues({ title, entries }: { title: string; entries: Record<string, string> }) {
  const rows = Object.entries(entries)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => a.localeCompare(b));
  if (rows.length === 0) return null;
  return (
    <table className={`table ${styles.kv}`}>
      <caption className="hint">{title}</caption>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
