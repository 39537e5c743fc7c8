'use client';

import { useState } from 'react';
import { Empty, ErrorNotice, Loading } from '../../../../components/states';
import { useApiQuery } from '../../../../lib/api';
import { defineMessages, useFormat, useMessages } from '../../../../lib/i18n';
import { auditMessages, auditSentence } from '../../../../features/audit/audit-sentence';
import { roleAtLeast, roleMessages, type Role } from '../../../../lib/roles';
import { useTenant } from '../../../../lib/tenant';

const PAGE = 50;

const m = defineMessages({
  en: {
    intro: 'Security-relevant actions in this tenant, newest first: sign-ins, keys, members, roles and the region choice.',
    colTime: 'Time',
    colActor: 'Who',
    colAction: 'Action',
    colTarget: 'On',
    none: 'Nothing recorded yet',
    newer: '← Newer',
    older: 'Older →',
    onlyAdmins: 'Only admins can read the audit log.',
  },
  ja: {
    intro: 'このテナントのセキュリティ関連の操作（新しい順）：サインイン、キー、メンバー、ロール、リージョンの選択。',
    colTime: '日時',
    colActor: '実行者',
    colAction: '操作',
    colTarget: '対象',
    none: 'まだ記録はありません',
    newer: '← 新しい',
    older: '古い →',
    onlyAdmins: '監査ログを閲覧できるのは管理者だけです。',
  },
});

/** The tenant's audit log, paged backwards with the server's `nextBefore` cursor. */
export default function AuditPage() {
  const t = useMessages(m);
  const said = useMessages(auditMessages);
  const roles = useMessages(roleMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const isAdmin = roleAtLeast(tenant.role, 'admin');
  // Cursors of the pages before this one; the last is this page's `before` (undefined = newest).
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const before = cursors[cursors.length - 1];
  const audit = useApiQuery(
    'listAudit',
    { params: { tenant: tenant.slug }, query: { limit: PAGE, before } },
    { enabled: isAdmin, placeholderData: (prev) => prev },
  );
  // Actors and targets are recorded as `user:<id>`; show current members by email.
  const members = useApiQuery('listMembers', { params: { tenant: tenant.slug } }, { enabled: isAdmin });
  const emails = new Map(members.data?.members.map((mb) => [`user:${mb.userId}`, mb.email]));
  const who = (ref: string) => emails.get(ref) ?? ref;

  if (!isAdmin) return <p className="muted">{t.onlyAdmins}</p>;
  if (audit.isPending) return <Loading />;
  if (audit.error) return <ErrorNotice error={audit.error} onRetry={() => void audit.refetch()} />;
  const { entries, nextBefore } = audit.data;
  return (
    <section className="card stack">
      <p className="muted">{t.intro}</p>
      {entries.length === 0 ? (
        <Empty title={t.none} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t.colTime}</th>
              <th>{t.colActor}</th>
              <th>{t.colAction}</th>
              <th>{t.colTarget}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">{fmt.dateTime(e.at)}</td>
                <td>{who(e.actor)}</td>
                <td title={e.action}>
                  {auditSentence(
                    e,
                    said,
                    (r) => (r in roles ? roles[r as Role] : r),
                    (iso) => fmt.dateTime(iso),
                  )}
                </td>
                <td>{who(e.target)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button type="button" className="btn btn-small" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t.newer}
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={!nextBefore || audit.isPlaceholderData}
          onClick={() => setCursors((c) => [...c, nextBefore ?? undefined])}
        >
          {t.older}
        </button>
      </div>
    </section>
  );
}
