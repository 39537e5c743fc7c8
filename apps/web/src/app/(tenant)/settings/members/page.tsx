'use client';

import { useState, type FormEvent } from 'react';
import { CopyBlock } from '../../../../components/copy-block';
import { DataTable } from '../../../../components/data-table';
import { Field, TextInput } from '../../../../components/field';
import { Empty, ErrorNotice, QueryState } from '../../../../components/states';
import { useApiMutation, useApiQuery, type Output } from '../../../../lib/api';
import { useFieldErrors } from '../../../../lib/errors';
import { defineMessages, useFormat, useMessages } from '../../../../lib/i18n';
import { ROLES, roleAtLeast, roleMessages, type Role } from '../../../../lib/roles';
import { useSession } from '../../../../lib/session';
import { useTenant } from '../../../../lib/tenant';

type Invitation = Output<'listInvitations'>['invitations'][number];
type CreatedInvitation = Output<'createInvitation'>;
const INVITABLE = ROLES.filter((r): r is Exclude<Role, 'owner'> => r !== 'owner');

const m = defineMessages({
  en: {
    members: 'Members',
    colEmail: 'Email',
    colRole: 'Role',
    colSince: 'Member since',
    you: '(you)',
    remove: 'Remove',
    confirmRemove: (email: string) => `Remove ${email} from this tenant? They lose access at once.`,
    changeFailed: 'Could not change the membership',
    roleOf: (email: string) => `Role of ${email}`,
    inviteTitle: 'Invite someone',
    email: 'Email',
    role: 'Role',
    invite: 'Send invitation',
    inviting: 'Inviting…',
    inviteFailed: 'Could not invite',
    invited: (email: string) => `Invitation for ${email} created.`,
    sent: 'The link was emailed. You can also share it yourself:',
    outbox: 'No mail server is configured, so nothing was emailed: send this link to them yourself.',
    invitations: 'Invitations',
    noInvitations: 'No invitations',
    colStatus: 'Status',
    colInvitedBy: 'Invited by',
    colExpires: 'Expires',
    pending: 'pending',
    accepted: 'accepted',
    revoked: 'revoked',
    expired: 'expired',
    revoke: 'Revoke',
    onlyAdmins: 'Only admins can invite members and change roles.',
  },
  ja: {
    members: 'メンバー',
    colEmail: 'メールアドレス',
    colRole: 'ロール',
    colSince: '参加日時',
    you: '（あなた）',
    remove: '削除',
    confirmRemove: (email: string) => `${email} をこのテナントから削除しますか？直ちにアクセスできなくなります。`,
    changeFailed: 'メンバーシップを変更できませんでした',
    roleOf: (email: string) => `${email} のロール`,
    inviteTitle: 'メンバーを招待',
    email: 'メールアドレス',
    role: 'ロール',
    invite: '招待を送信',
    inviting: '招待中…',
    inviteFailed: '招待できませんでした',
    invited: (email: string) => `${email} への招待を作成しました。`,
    sent: 'リンクをメールで送りました。直接共有することもできます：',
    outbox: 'メールサーバーが設定されていないため、メールは送信されていません。このリンクを本人に送ってください。',
    invitations: '招待',
    noInvitations: '招待はありません',
    colStatus: '状態',
    colInvitedBy: '招待者',
    colExpires: '有効期限',
    pending: '保留中',
    accepted: '承諾済み',
    revoked: '取り消し済み',
    expired: '期限切れ',
    revoke: '取り消し',
    onlyAdmins: 'メンバーの招待とロールの変更は管理者だけが行えます。',
  },
});

function invitationStatus(inv: Invitation, now: number): 'pending' | 'accepted' | 'revoked' | 'expired' {
  if (inv.acceptedAt) return 'accepted';
  if (inv.revokedAt) return 'revoked';
  return Date.parse(inv.expiresAt) < now ? 'expired' : 'pending';
}

/** Members and their roles; invitations by email link (admins). */
export default function MembersPage() {
  const t = useMessages(m);
  const roles = useMessages(roleMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const { session } = useSession();
  const isAdmin = roleAtLeast(tenant.role, 'admin');
  const params = { tenant: tenant.slug };
  const members = useApiQuery('listMembers', { params });
  const invitations = useApiQuery('listInvitations', { params }, { enabled: isAdmin });
  const changeRole = useApiMutation('changeMemberRole', { invalidates: ['listMembers', 'listAudit'] });
  const remove = useApiMutation('removeMember', { invalidates: ['listMembers', 'listAudit'] });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Exclude<Role, 'owner'>>('member');
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const invite = useApiMutation('createInvitation', {
    invalidates: ['listInvitations', 'listAudit'],
    onSuccess: (answer) => {
      setCreated(answer);
      setEmail('');
    },
  });
  const revokeInvite = useApiMutation('revokeInvitation', { invalidates: ['listInvitations', 'listAudit'] });
  const errors = useFieldErrors(invite.error);
  const membershipError = changeRole.error ?? remove.error;
  const isSelf = (mb: { userId: string }) => mb.userId === session?.user.id;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate({ params, body: { email, role } });
  };

  return (
    <div className="stack">
      <section className="card">
        <h2>{t.members}</h2>
        {!isAdmin && <p className="muted">{t.onlyAdmins}</p>}
        {membershipError && <ErrorNotice title={t.changeFailed} error={membershipError} />}
        <QueryState query={members}>
          {(data) => (
            <DataTable
              rows={data.members}
              rowKey={(mb) => mb.userId}
              columns={[
                {
                  header: t.colEmail,
                  cell: (mb) => (
                    <>
                      {mb.email} {isSelf(mb) && <span className="muted">{t.you}</span>}
                    </>
                  ),
                },
                {
                  header: t.colRole,
                  cell: (mb) =>
                    isAdmin && !isSelf(mb) ? (
                      <select
                        aria-label={t.roleOf(mb.email)}
                        value={mb.role}
                        disabled={changeRole.isPending}
                        onChange={(e) => changeRole.mutate({ params: { tenant: tenant.slug, userId: mb.userId }, body: { role: e.target.value as Role } })}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {roles[r]}
                          </option>
                        ))}
                      </select>
                    ) : (
                      roles[mb.role]
                    ),
                },
                { header: t.colSince, cell: (mb) => fmt.dateTime(mb.since) },
                isAdmin && {
                  cell: (mb) =>
                    !isSelf(mb) && (
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        disabled={remove.isPending}
                        onClick={() => window.confirm(t.confirmRemove(mb.email)) && remove.mutate({ params: { tenant: tenant.slug, userId: mb.userId } })}
                      >
                        {t.remove}
                      </button>
                    ),
                },
              ]}
            />
          )}
        </QueryState>
      </section>

      {isAdmin && (
        <>
          <form className="card form form-inline" onSubmit={submit} noValidate>
            <h2>{t.inviteTitle}</h2>
            {invite.error && !Object.keys(errors).length && <ErrorNotice title={t.inviteFailed} error={invite.error} />}
            <Field label={t.email} error={errors.email}>
              <TextInput type="email" name="inviteEmail" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </Field>
            <Field label={t.role} error={errors.role} hint={roles[`${role}Help`]}>
              <select className="input" name="inviteRole" value={role} onChange={(e) => setRole(e.target.value as Exclude<Role, 'owner'>)}>
                {INVITABLE.map((r) => (
                  <option key={r} value={r}>
                    {roles[r]}
                  </option>
                ))}
              </select>
            </Field>
            <button type="submit" className="btn btn-primary" disabled={invite.isPending}>
              {invite.isPending ? t.inviting : t.invite}
            </button>
          </form>

          {created && (
            <section className="card" aria-live="polite">
              <p>{t.invited(created.invitation.email)}</p>
              <p className={created.emailDelivery === 'outbox' ? 'notice notice-warn' : undefined}>{created.emailDelivery === 'sent' ? t.sent : t.outbox}</p>
              <CopyBlock text={created.acceptUrl} />
            </section>
          )}

          <section className="card">
            <h2>{t.invitations}</h2>
            {revokeInvite.error && <ErrorNotice error={revokeInvite.error} />}
            <QueryState query={invitations}>
              {(data) => (
                <DataTable
                  rows={data.invitations.map((inv) => ({ ...inv, status: invitationStatus(inv, Date.now()) }))}
                  rowKey={(inv) => inv.id}
                  empty={<Empty title={t.noInvitations} />}
                  rowProps={(inv) => ({ className: inv.status === 'pending' ? undefined : 'row-dim' })}
                  columns={[
                    { header: t.colEmail, cell: (inv) => inv.email },
                    { header: t.colRole, cell: (inv) => roles[inv.role] },
                    { header: t.colInvitedBy, cell: (inv) => inv.invitedBy },
                    { header: t.colExpires, cell: (inv) => fmt.dateTime(inv.expiresAt) },
                    { header: t.colStatus, cell: (inv) => t[inv.status] },
                    {
                      cell: (inv) =>
                        inv.status === 'pending' && (
                          <button
                            type="button"
                            className="btn btn-small"
                            disabled={revokeInvite.isPending}
                            onClick={() => revokeInvite.mutate({ params: { tenant: tenant.slug, invitationId: inv.id } })}
                          >
                            {t.revoke}
                          </button>
                        ),
                    },
                  ]}
                />
              )}
            </QueryState>
          </section>
        </>
      )}
    </div>
  );
}
