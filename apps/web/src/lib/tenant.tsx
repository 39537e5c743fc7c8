'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import type { Session } from './session';

export type TenantSummary = Session['tenants'][number];

const LAST_TENANT_KEY = 'meridian.lastTenant';
const Ctx = createContext<TenantSummary | null>(null);

/**
 * A link to a tenant page. The tenant travels in the query (`?tenant=acme`) rather than the
 * path because the UI is a static export: every page exists once, for every tenant.
 */
export function tenantHref(path: string, tenant: string, query: Record<string, string | number | undefined> = {}): string {
  const qs = new URLSearchParams({ tenant });
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
  return `${path}?${qs.toString()}`;
}

/** The tenant to open when the URL names none: the last one used here, else the first. */
export function defaultTenant(tenants: readonly TenantSummary[], last: string | null): TenantSummary | undefined {
  return tenants.find((t) => t.slug === last) ?? tenants[0];
}

export function rememberTenant(slug: string): void {
  localStorage.setItem(LAST_TENANT_KEY, slug);
}

export function lastTenant(): string | null {
  return typeof localStorage === 'undefined' ? null : localStorage.getItem(LAST_TENANT_KEY);
}

/** Resolves `?tenant=` against the session's tenants (slug or id); `undefined` when it names none of them. */
export function useTenantFromUrl(tenants: readonly TenantSummary[]): { requested: string | null; tenant: TenantSummary | undefined } {
  const requested = useSearchParams().get('tenant');
  return { requested, tenant: requested ? tenants.find((t) => t.slug === requested || t.id === requested) : undefined };
}

/** Adds `?tenant=` to the URL when it is missing (keeps the rest of the query); waits for the session's `tenants`. */
export function useEnsureTenantParam(tenants: readonly TenantSummary[] | undefined, requested: string | null): void {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  useEffect(() => {
    if (requested || !tenants) return;
    if (tenants.length === 0) return router.replace('/tenants/new');
    const pick = defaultTenant(tenants, lastTenant());
    const qs = new URLSearchParams(search.toString());
    qs.set('tenant', pick!.slug);
    router.replace(`${pathname}?${qs.toString()}`);
  }, [requested, tenants, router, pathname, search]);
}

export function TenantProvider({ tenant, children }: { tenant: TenantSummary; children: ReactNode }) {
  useEffect(() => rememberTenant(tenant.slug), [tenant.slug]);
  return <Ctx.Provider value={tenant}>{children}</Ctx.Provider>;
}

/** The tenant of the current page (inside the tenant layout): slug, name, region and your role. */
export function useTenant(): TenantSummary {
  const t = useContext(Ctx);
  if (!t) throw new Error('useTenant() outside a tenant page (app/(tenant)/…)');
  return t;
}
