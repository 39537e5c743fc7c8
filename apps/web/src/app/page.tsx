'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { ErrorNotice, Loading } from '../components/states';
import { useSession } from '../lib/session';
import { defaultTenant, lastTenant, tenantHref } from '../lib/tenant';

/** `/`: the hitmap of your last tenant, the tenant form when you have none, else sign-in. */
export default function Home() {
  const router = useRouter();
  const { session, signedOut, error } = useSession({ onlyIfSignedInBefore: true });
  useEffect(() => {
    if (signedOut) return router.replace('/sign-in');
    if (!session) return;
    const tenant = defaultTenant(session.tenants, lastTenant());
    router.replace(tenant ? tenantHref('/hitmap', tenant.slug) : '/tenants/new?first=1');
  }, [session, signedOut, router]);
  return error ? <ErrorNotice error={error} /> : <Loading />;
}
