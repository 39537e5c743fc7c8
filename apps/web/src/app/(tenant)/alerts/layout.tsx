'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { alertingMessages } from '../../../features/alerting/messages';
import { useMessages } from '../../../lib/i18n';
import { tenantHref, useTenant } from '../../../lib/tenant';

/** Alerting with its sections as tabs; a rule's page belongs to the overview tab. */
export default function AlertsLayout({ children }: { children: ReactNode }) {
  const t = useMessages(alertingMessages);
  const tenant = useTenant();
  const pathname = usePathname();
  const tabs = [
    { path: '/alerts', label: t.tabOverview, active: pathname !== '/alerts/channels' },
    { path: '/alerts/channels', label: t.tabChannels, active: pathname === '/alerts/channels' },
  ];
  return (
    <section className="stack">
      <h1>
        {t.title} <span className="muted">· {tenant.name}</span>
      </h1>
      <nav className="tabs" aria-label={t.tabs}>
        {tabs.map((tab) => (
          <Link
            key={tab.path}
            href={tenantHref(tab.path, tenant.slug)}
            className={tab.active ? 'active' : undefined}
            aria-current={tab.active ? 'page' : undefined}
          >
            {tab.label}
          </Link>
        ))}
      </nav>
      {children}
    </section>
  );
}
