'use client';

import type { ReactNode } from 'react';
import { AppShell } from '../../components/app-shell';
import { ErrorNotice, Loading } from '../../components/states';
import { useRequireSession } from '../../lib/session';

/** Signed-in pages that are about the account, not one tenant (tenant list, new tenant). */
export default function AccountLayout({ children }: { children: ReactNode }) {
  const { session, error } = useRequireSession();
  if (error) return <ErrorNotice error={error} />;
  if (!session) return <Loading />;
  return <AppShell session={session}>{children}</AppShell>;
}
