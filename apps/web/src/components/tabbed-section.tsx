'use client';

import Link from 'next/link';
import type { ReactNode } from 'react';
import { tenantHref, useTenant } from '../lib/tenant';

export interface Tab {
  path: string;
  label: string;
  active: boolean;
}

/** A tenant section (alerting, settings): its title, its pages as tabs, then the current page. */
export function TabbedSection({ title, tabsLabel, tabs, children }: { title: string; tabsLabel: string; tabs: readonly Tab[]; children: ReactNode }) {
  const tenant = useTenant();
  return (
    <section className="stack">
      <h1>
        {title} <span className="muted">· {tenant.name}</span>
      </h1>
      <nav className="tabs" aria-label={tabsLabel}>
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
