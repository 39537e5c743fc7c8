'use client';

import Link from 'next/link';
import { Empty, Loading } from '../../../components/states';
import { defineMessages, useMessages } from '../../../lib/i18n';
import { useSession } from '../../../lib/session';
import { tenantHref } from '../../../lib/tenant';

const m = defineMessages({
  en: {
    title: 'Your tenants',
    region: 'Data region',
    role: 'Your role',
    none: 'You are not a member of any tenant yet',
    noneHelp: 'Create one, or open the invitation link an admin sent you.',
    create: 'Create a tenant',
  },
  ja: {
    title: '所属テナント',
    region: 'データリージョン',
    role: 'あなたのロール',
    none: 'まだどのテナントにも所属していません',
    noneHelp: 'テナントを作成するか、管理者から届いた招待リンクを開いてください。',
    create: 'テナントを作成',
  },
});

/** Tenant picker: every tenant you belong to, with its region and your role. */
export default function TenantsPage() {
  const t = useMessages(m);
  const { session } = useSession();
  if (!session) return <Loading />;
  return (
    <section className="stack">
      <div className="page-head">
        <h1>{t.title}</h1>
        <Link className="btn btn-primary" href="/tenants/new">
          {t.create}
        </Link>
      </div>
      {session.tenants.length === 0 ? (
        <Empty title={t.none}>{t.noneHelp}</Empty>
      ) : (
        <ul className="tenant-list">
          {session.tenants.map((x) => (
            <li key={x.id}>
              <Link href={tenantHref('/hitmap', x.slug)}>
                <strong>{x.name}</strong> <code>{x.slug}</code>
              </Link>
              <span className="muted">
                {t.region}: {x.region} · {t.role}: {x.role}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
