'use client';

import Link from 'next/link';
import { defineMessages, useMessages } from '../lib/i18n';
import { roleAtLeast } from '../lib/roles';
import { tenantHref, useTenant } from '../lib/tenant';
import { CopyBlock } from './copy-block';

const m = defineMessages({
  en: {
    title: (what: string) => `No ${what} yet`,
    admin: 'Send spans with an ingest key of this tenant:',
    createKey: 'Create an ingest key',
    notAdmin: 'Ask an admin of this tenant for an ingest key, then point your OpenTelemetry SDK at Meridian:',
    then: 'then start your application with these settings (the key page shows them ready to copy):',
  },
  ja: {
    title: (what: string) => `${what}はまだありません`,
    admin: 'このテナントの取り込みキーでスパンを送ってください：',
    createKey: '取り込みキーを作成',
    notAdmin: 'このテナントの管理者に取り込みキーを依頼し、OpenTelemetry SDK の送信先を Meridian にしてください：',
    then: 'その後、次の設定でアプリケーションを起動します（キーのページでコピーできます）：',
  },
});

const SNIPPET = `export OTEL_EXPORTER_OTLP_ENDPOINT='http://<meridian-host>:4318'
export OTEL_EXPORTER_OTLP_HEADERS='authorization=Bearer <ingest key>'`;

/** The empty state of telemetry views: what to do so that data appears. `what` names the view's data ("data", "transactions"). */
export function NoDataYet({ what }: { what: string }) {
  const t = useMessages(m);
  const tenant = useTenant();
  const isAdmin = roleAtLeast(tenant.role, 'admin');
  return (
    <div className="state state-empty">
      <strong>{t.title(what)}</strong>
      <p>
        {isAdmin ? t.admin : t.notAdmin}{' '}
        {isAdmin && (
          <Link className="btn btn-small btn-primary" href={tenantHref('/settings/keys', tenant.slug)}>
            {t.createKey}
          </Link>
        )}
      </p>
      <p>{t.then}</p>
      <CopyBlock text={SNIPPET} />
    </div>
  );
}
