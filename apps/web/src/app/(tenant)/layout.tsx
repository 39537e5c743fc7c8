'use client';

import Link from 'next/link';
import type { ReactNode } from 'react';
import { AppShell } from '../../components/app-shell';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { defineMessages, useMessages } from '../../lib/i18n';
import { useRequireSession } from '../../lib/session';
import { TenantProvider, useEnsureTenantParam, useTenantFromUrl } from '../../lib/tenant';

const m = defineMessages({
  en: {
    notMember: (tenant: string) => `You are not a member of “${tenant}”`,
    notMemberHelp: 'Ask one of its admins for an invitation, or open one of your tenants.',
    yourTenants: 'Your tenants',
  },
  ja: {
    notMember: (tenant: string) => `「${tenant}」のメンバーではありません`,
    notMemberHelp: '管理者に招待を依頼するか、所属しているテナントを開いてください。',
    yourTenants: '所属テナント',
  },
});

/** Every tenant page (hitmap, services, settings, …): signed in, with `?tenant=` one of yours. */
export default function TenantLayout({ children }: { children: ReactNode }) {
  const t = useMessages(m);
  const { session, error, pending } = useRequireSession();
  const { requested, tenant } = useTenantFromUrl(session?.tenants ?? []);
  useEnsureTenantParam(session?.tenants, requested);

  if (error) return <ErrorNotice error={error} />;
  if (pending || !session || !requested) return <Loading />;
  if (!tenant) {
    return (
      <AppShell session={session}>
        <Empty title={t.notMember(requested)}>
          <p>{t.notMemberHelp}</p>
          <Link href="/tenants">{t.yourTenants}</Link>
        </Empty>
      </AppShell>
    );
  }
  return (
    <AppShell session={session} tenant={tenant}>
      {/* key: a tenant switch starts every page afresh (no state from the other tenant). */}
      <TenantProvider key={tenant.id} tenant={tenant}>
        {children}
      </TenantProvider>
    </AppShell>
  );
}
