'use client';

import { useEffect, useRef } from 'react';
import { QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { EndpointText } from './endpoint-text';
import { hitmapMessages } from './messages';
import styles from './hitmap.module.css';
import { selectionQuery, type HitmapSelection } from './selection';

export interface Group {
  service: string;
  endpoint: string;
}

/** What a drag-selection holds: transactions and errors per service/endpoint; pick one to list them. */
export function SelectionPanel({
  tenant,
  selection,
  filters,
  picked,
  onPick,
  onClear,
}: {
  tenant: string;
  selection: HitmapSelection;
  filters: Partial<Group>;
  picked?: Group;
  onPick(group: Group): void;
  onClear(): void;
}) {
  const t = useMessages(hitmapMessages);
  const fmt = useFormat();
  const groups = useApiQuery('hitmapSelection', { params: { tenant }, query: { ...selectionQuery(selection), ...filters } }, { staleTime: 30_000 });
  // A selection holding one endpoint (a clicked dot, usually) lists its transactions at once.
  const only = groups.data?.groups.length === 1 ? groups.data.groups[0] : undefined;
  const onlyKey = only && `${only.service}\u0000${only.endpoint}`;
  const onPickRef = useRef(onPick);
  useEffect(() => {
    onPickRef.current = onPick;
  });
  const hasPick = picked !== undefined;
  useEffect(() => {
    if (onlyKey !== undefined && !hasPick) {
      const [service, endpoint] = onlyKey.split('\u0000');
      onPickRef.current({ service, endpoint });
    }
  }, [onlyKey, hasPick]);
  const duration =
    selection.maxMs === undefined ? t.atLeast(fmt.duration(selection.minMs)) : t.between(fmt.duration(selection.minMs), fmt.duration(selection.maxMs));

  return (
    <aside className={styles.panel} aria-label={t.selection} data-testid="selection-panel">
      <div className={styles.panelHead}>
        <div>
          <h2>{t.selection}</h2>
          <p className="hint">{t.selectionRange(fmt.time(selection.from), fmt.time(selection.to), duration)}</p>
        </div>
        <button type="button" className="btn btn-small" onClick={onClear}>
          {t.clearSelection}
        </button>
      </div>
      <QueryState query={groups} loadingLabel={t.selectionLoading} failedTitle={t.selectionFailed}>
        {(data) =>
          data.groups.length === 0 ? (
            <p className="state">{t.selectionEmpty}</p>
          ) : (
            <>
              <table className={`table ${styles.groups}`}>
                <thead>
                  <tr>
                    <th>{t.colServiceEndpoint}</th>
                    <th className={styles.num}>{t.colCount}</th>
                    <th className={styles.num}>{t.colErrors}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.groups.map((g) => {
                    const active = picked?.service === g.service && picked.endpoint === g.endpoint;
                    return (
                      <tr key={`${g.service}\u0000${g.endpoint}`} className={active ? styles.picked : undefined}>
                        <td>
                          <button
                            type="button"
                            className="link-button"
                            aria-pressed={active}
                            onClick={() => onPick({ service: g.service, endpoint: g.endpoint })}
                          >
                            <span className={styles.service}>{g.service}</span> <EndpointText className={styles.endpoint} endpoint={g.endpoint} />
                          </button>
                        </td>
                        <td className={styles.num}>{fmt.number(g.count)}</td>
                        <td className={`${styles.num} ${g.errors ? styles.errorText : ''}`}>{fmt.number(g.errors)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {!picked && <p className="hint">{t.pickHint}</p>}
            </>
          )
        }
      </QueryState>
    </aside>
  );
}
