'use client';

import { useMemo } from 'react';
import { useApiQuery } from '../../lib/api';
import { useMessages } from '../../lib/i18n';
import { hitmapMessages } from './messages';
import styles from './hitmap.module.css';
import type { HitmapWindow } from './view';

/** Service and endpoint filters, offered from the services seen in the window. */
export function Filters({
  tenant,
  window,
  service,
  endpoint,
  onChange,
}: {
  tenant: string;
  window: HitmapWindow;
  service?: string;
  endpoint?: string;
  onChange(service?: string, endpoint?: string): void;
}) {
  const t = useMessages(hitmapMessages);
  const query = window.live ? { last: window.span } : { from: String(window.from), to: String(window.to) };
  // The list changes slowly; a live window need not refresh it on every poll.
  const services = useApiQuery('services', { params: { tenant }, query }, { staleTime: 60_000 });
  const { names, endpoints } = useMemo(() => {
    const rows = services.data?.services ?? [];
    const names = [...new Set(rows.map((r) => r.service))].sort();
    const endpoints = [...new Set(rows.filter((r) => r.service === service).map((r) => r.endpoint))].sort();
    // A filter from a link stays selectable even when the window holds none of its data.
    if (service && !names.includes(service)) names.unshift(service);
    if (endpoint && !endpoints.includes(endpoint)) endpoints.unshift(endpoint);
    return { names, endpoints };
  }, [services.data, service, endpoint]);

  return (
    <div className={styles.filters}>
      <label>
        <span className="visually-hidden">{t.service}</span>
        <select className="input" aria-label={t.service} value={service ?? ''} onChange={(e) => onChange(e.target.value || undefined, undefined)}>
          <option value="">{t.allServices}</option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="visually-hidden">{t.endpoint}</span>
        <select
          className="input"
          aria-label={t.endpoint}
          value={endpoint ?? ''}
          disabled={!service}
          onChange={(e) => onChange(service, e.target.value || undefined)}
        >
          <option value="">{t.allEndpoints}</option>
          {endpoints.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
