'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { defineMessages, useMessages } from '../../../lib/i18n';
import { roleAtLeast } from '../../../lib/roles';
import { tenantHref, useTenant } from '../../../lib/tenant';

const m = defineMessages({
  en: { title: 'Settings', general: 'General', keys: 'Keys', members: 'Members', usage: 'Limits & usage', audit: 'Audit log', tabs: 'Settings sections' },
  ja: { title: '設定', general: '一般', keys: 'キー', members: 'メンバー', usage: '制限と使用量', audit: '監査ログ', tabs: '設定の項目' },
});

/** Tenant settings with their sections as tabs (the audit log is for admins). */
export default function SettingsLayout({ children }: { children: ReactNode }) {
  const t = useMessages(m);
  const tenant = useTenant();
  const pathname = usePathname();
  const tabs = [
    { path: '/settings', label: t.general },
    { path: '/settings/keys', label: t.keys },
    { path: '/settings/members', label: t.members },
    { path: '/settings/usage', label: t.usage },
    ...(roleAtLeast(tenant.role, 'admin') ? [{ path: '/settings/audit', label: t.audit }] : []),
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
            className={pathname === tab.path ? 'active' : undefined}
            aria-current={pathname === tab.path ? 'page' : undefined}
          >
            {tab.label}
          </Link>
        ))}
      </nav>
      {children}
    </section>
  );
}
