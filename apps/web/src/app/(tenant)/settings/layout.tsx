'use client';

import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { TabbedSection } from '../../../components/tabbed-section';
import { defineMessages, useMessages } from '../../../lib/i18n';
import { roleAtLeast } from '../../../lib/roles';
import { useTenant } from '../../../lib/tenant';

const m = defineMessages({
  en: { title: 'Settings', general: 'General', keys: 'Keys', members: 'Members', usage: 'Limits & usage', audit: 'Audit log', tabs: 'Settings sections' },
  ja: { title: '設定', general: '一般', keys: 'キー', members: 'メンバー', usage: '制限と使用量', audit: '監査ログ', tabs: '設定の項目' },
});

/** Tenant settings with their sections as tabs (the audit log is for admins). */
export default function SettingsLayout({ children }: { children: ReactNode }) {
  const t = useMessages(m);
  const tenant = useTenant();
  const pathname = usePathname();
  const paths = [
    { path: '/settings', label: t.general },
    { path: '/settings/keys', label: t.keys },
    { path: '/settings/members', label: t.members },
    { path: '/settings/usage', label: t.usage },
    ...(roleAtLeast(tenant.role, 'admin') ? [{ path: '/settings/audit', label: t.audit }] : []),
  ];
  return (
    <TabbedSection title={t.title} tabsLabel={t.tabs} tabs={paths.map((tab) => ({ ...tab, active: pathname === tab.path }))}>
      {children}
    </TabbedSection>
  );
}
