'use client';

import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { TabbedSection } from '../../../components/tabbed-section';
import { alertingMessages } from '../../../features/alerting/messages';
import { useMessages } from '../../../lib/i18n';

/** Alerting with its sections as tabs; a rule's page belongs to the overview tab. */
export default function AlertsLayout({ children }: { children: ReactNode }) {
  const t = useMessages(alertingMessages);
  const pathname = usePathname();
  const tabs = [
    { path: '/alerts', label: t.tabOverview, active: pathname !== '/alerts/channels' },
    { path: '/alerts/channels', label: t.tabChannels, active: pathname === '/alerts/channels' },
  ];
  return (
    <TabbedSection title={t.title} tabsLabel={t.tabs} tabs={tabs}>
      {children}
    </TabbedSection>
  );
}
