'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useMemo, type ReactNode } from 'react';
import { LOCALES, type Locale } from '../lib/format';
import { defineMessages, useMessages, usePrefs } from '../lib/i18n';
import { useSignOut, type Session } from '../lib/session';
import { tenantHref, type TenantSummary } from '../lib/tenant';
import { ThemeToggle } from './theme-toggle';
import { canonicalZone, zoneChoices } from '../lib/time-zones';

const m = defineMessages({
  en: {
    hitmap: 'Hitmap',
    traces: 'Traces',
    services: 'Services',
    map: 'Map',
    logs: 'Logs',
    metrics: 'Metrics',
    servers: 'Servers',
    kubernetes: 'Kubernetes',
    sql: 'SQL',
    databases: 'Databases',
    alerts: 'Alerts',
    settings: 'Settings',
    tenant: 'Tenant',
    newTenant: '+ New tenant…',
    allTenants: 'All tenants',
    language: 'Language',
    timeZone: 'Time zone',
    browserZone: (zone: string) => `Browser (${zone})`,
    signOut: 'Sign out',
    mainNav: 'Main',
  },
  ja: {
    hitmap: 'ヒットマップ',
    traces: 'トレース',
    services: 'サービス',
    map: 'マップ',
    logs: 'ログ',
    metrics: 'メトリクス',
    servers: 'サーバー',
    kubernetes: 'Kubernetes',
    sql: 'SQL',
    databases: 'データベース',
    alerts: 'アラート',
    settings: '設定',
    tenant: 'テナント',
    newTenant: '+ 新しいテナント…',
    allTenants: 'テナント一覧',
    language: '言語',
    timeZone: 'タイムゾーン',
    browserZone: (zone: string) => `ブラウザー（${zone}）`,
    signOut: 'サインアウト',
    mainNav: 'メイン',
  },
});

const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', ja: '日本語' };

/** Tenant pages in the main navigation; `match` also marks the page active on its sub-pages. */
const NAV = [
  { path: '/hitmap', label: 'hitmap', match: ['/hitmap', '/transactions', '/trace'] },
  { path: '/traces', label: 'traces', match: ['/traces'] },
  { path: '/services', label: 'services', match: ['/services'] },
  { path: '/map', label: 'map', match: ['/map'] },
  { path: '/logs', label: 'logs', match: ['/logs'] },
  { path: '/metrics-explorer', label: 'metrics', match: ['/metrics-explorer'] },
  { path: '/servers', label: 'servers', match: ['/servers'] },
  { path: '/kubernetes', label: 'kubernetes', match: ['/kubernetes'] },
  { path: '/sql', label: 'sql', match: ['/sql'] },
  { path: '/databases', label: 'databases', match: ['/databases'] },
  { path: '/alerts', label: 'alerts', match: ['/alerts'] },
  { path: '/settings', label: 'settings', match: ['/settings'] },
] as const;

const NEW_TENANT = '__new__';

/** Header (brand, tenant navigation, tenant switcher, language, time zone, sign-out) and page body. */
export function AppShell({ session, tenant, children }: { session: Session; tenant?: TenantSummary; children: ReactNode }) {
  const t = useMessages(m);
  const pathname = usePathname();
  const router = useRouter();
  const signOut = useSignOut();
  const home = tenant ? tenantHref('/hitmap', tenant.slug) : '/tenants';

  const switchTenant = (slug: string) => {
    if (slug === NEW_TENANT) return router.push('/tenants/new');
    // Filters and selections belong to the old tenant; keep only the page.
    router.push(tenantHref(pathname.startsWith('/settings') ? pathname : '/hitmap', slug));
  };

  return (
    <div className="shell">
      <header className="topbar">
        <Link href={home} className="brand">
          Meridian
        </Link>
        {tenant && (
          <nav aria-label={t.mainNav} className="mainnav">
            {NAV.map((item) => {
              const active = item.match.some((p) => pathname === p || pathname.startsWith(`${p}/`));
              return (
                <Link
                  key={item.path}
                  href={tenantHref(item.path, tenant.slug)}
                  className={active ? 'active' : undefined}
                  aria-current={active ? 'page' : undefined}
                >
                  {t[item.label]}
                </Link>
              );
            })}
          </nav>
        )}
        <div className="topbar-right">
          {session.tenants.length > 0 && (
            <label className="switcher">
              <span className="visually-hidden">{t.tenant}</span>
              <select aria-label={t.tenant} value={tenant?.slug ?? ''} onChange={(e) => switchTenant(e.target.value)}>
                {!tenant && <option value="">{t.allTenants}</option>}
                {session.tenants.map((x) => (
                  <option key={x.id} value={x.slug}>
                    {x.name} · {x.region}
                  </option>
                ))}
                <option value={NEW_TENANT}>{t.newTenant}</option>
              </select>
            </label>
          )}
          <PrefsMenu />
          <details className="menu">
            <summary>{session.user.email}</summary>
            <div className="menu-body">
              <Link href="/tenants">{t.allTenants}</Link>
              <button type="button" className="btn btn-small" onClick={() => void signOut()}>
                {t.signOut}
              </button>
            </div>
          </details>
        </div>
      </header>
      <main className="page">{children}</main>
    </div>
  );
}

/** Language and time-zone choice (kept in this browser). */
export function PrefsMenu() {
  const t = useMessages(m);
  const prefs = usePrefs();
  const browserZone = canonicalZone(Intl.DateTimeFormat().resolvedOptions().timeZone);
  const zones = useMemo(
    () => zoneChoices(browserZone, prefs.timeZone, typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []),
    [browserZone, prefs.timeZone],
  );
  return (
    <div className="prefs">
      <select aria-label={t.language} value={prefs.locale} onChange={(e) => prefs.setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
      <select aria-label={t.timeZone} title={t.timeZone} value={canonicalZone(prefs.timeZone)} onChange={(e) => prefs.setTimeZone(e.target.value)}>
        <option value={browserZone}>{t.browserZone(browserZone)}</option>
        {zones
          .filter((z) => z !== browserZone)
          .map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
      </select>
      <ThemeToggle />
    </div>
  );
}
