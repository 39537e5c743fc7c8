'use client';

import Link from 'next/link';
import { QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref } from '../../lib/tenant';
import { spanEndMs } from '../trace/span-facts';
import { EndpointText } from './endpoint-text';
import { hitmapMessages } from './messages';
import styles from './hitmap.module.css';
import { selectionQuery, type HitmapSelection } from './selection';
import type { Group } from './selection-panel';

const LIMIT = 200;

/** The transactions of one service/endpoint inside a selection, newest first, each linking to its trace. */
export function TransactionsTable({ tenant, selection, group }: { tenant: string; selection: HitmapSelection; group: Group }) {
  const t = useMessages(hitmapMessages);
  const fmt = useFormat();
  // An empty name cannot be a filter (the API refuses it); the rows are then narrowed here.
  const query = { ...selectionQuery(selection), service: group.service || undefined, endpoint: group.endpoint || undefined, limit: LIMIT };
  const txs = useApiQuery('transactions', { params: { tenant }, query }, { staleTime: 30_000 });
  const rows = txs.data?.transactions.filter((s) => s.service === group.service && s.endpoint === group.endpoint) ?? [];

  return (
    <section className="card" aria-label={t.transactions(group.service, group.endpoint)} data-testid="transactions">
      <h2>{t.transactions(group.service, group.endpoint)}</h2>
      <QueryState query={txs} loadingLabel={t.txLoading} failedTitle={t.txFailed}>
        {(data) =>
          rows.length === 0 ? (
            <p className="state">{t.txEmpty}</p>
          ) : (
            <>
              <table className="table">
                <thead>
                  <tr>
                    <th>
                      {t.colTime} <span className="hint">({fmt.zoneLabel()})</span>
                    </th>
                    <th className={styles.num}>{t.colDuration}</th>
                    <th>{t.colStatus}</th>
                    <th>{t.colEndpoint}</th>
                    <th>{t.colTrace}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={s.spanId}>
                      <td className="nowrap">{fmt.dateTime(spanEndMs(s))}</td>
                      <td className={styles.num}>{fmt.duration(s.durationMs)}</td>
                      <td>
                        <span className={`badge ${s.isError ? styles.badgeError : 'badge-ok'}`}>{s.isError ? t.error : t.ok}</span>
                        {s.httpStatus > 0 && <span className={styles.httpStatus}> {s.httpStatus}</span>}
                      </td>
                      <td>
                        <EndpointText className={styles.endpoint} endpoint={s.endpoint} />
                      </td>
                      <td>
                        <Link className={styles.traceId} href={tenantHref('/trace', tenant, { id: s.traceId })}>
                          {s.traceId}
                        </Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {data!.transactions.length === LIMIT && <p className="hint">{t.txLimited(LIMIT)}</p>}
            </>
          )
        }
      </QueryState>
    </section>
  );
}
