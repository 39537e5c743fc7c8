'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorNotice, Loading } from '../../../components/states';
import { apiKey, useApiMutation } from '../../../lib/api';
import { defineMessages, useMessages } from '../../../lib/i18n';
import { useSession } from '../../../lib/session';
import { tenantHref } from '../../../lib/tenant';

const m = defineMessages({
  en: {
    title: 'You are invited to a Meridian tenant',
    missing: 'This link has no invitation token. Open the link from the invitation email again.',
    signedInAs: (email: string) => `Signed in as ${email}.`,
    accept: 'Join the tenant',
    accepting: 'Joining…',
    failed: 'Could not accept the invitation',
    newHere: 'New to Meridian?',
    createAccount: 'Create an account and join',
    haveAccount: 'Already have an account?',
    signIn: 'Sign in, then come back to this link',
  },
  ja: {
    title: 'Meridian テナントに招待されています',
    missing: 'このリンクには招待トークンがありません。招待メールのリンクをもう一度開いてください。',
    signedInAs: (email: string) => `${email} としてサインイン中です。`,
    accept: 'テナントに参加',
    accepting: '参加中…',
    failed: '招待を受け入れられませんでした',
    newHere: '初めての方',
    createAccount: 'アカウントを作成して参加',
    haveAccount: 'アカウントをお持ちの場合',
    signIn: 'サインインしてからこのリンクに戻る',
  },
});

/** The invitation link sent by email (`/invite?token=…`). */
export default function InvitePage() {
  const t = useMessages(m);
  const router = useRouter();
  const client = useQueryClient();
  const token = useSearchParams().get('token');
  const { session, pending } = useSession();
  const accept = useApiMutation('acceptInvitation', {
    onSuccess: async (tenant) => {
      await client.invalidateQueries({ queryKey: apiKey('getSession', {}) });
      router.replace(tenantHref('/hitmap', tenant.slug));
    },
  });
  if (!token) return <ErrorNotice title={t.title} error={new Error(t.missing)} />;
  if (pending) return <Loading />;
  const here = `/invite?token=${encodeURIComponent(token)}`;
  return (
    <div className="card form">
      <h1>{t.title}</h1>
      {session ? (
        <>
          <p>{t.signedInAs(session.user.email)}</p>
          {accept.error && <ErrorNotice title={t.failed} error={accept.error} />}
          <button type="button" className="btn btn-primary" disabled={accept.isPending} onClick={() => accept.mutate({ body: { token } })}>
            {accept.isPending ? t.accepting : t.accept}
          </button>
        </>
      ) : (
        <>
          <p>
            {t.newHere} <Link href={`/sign-up?invite=${encodeURIComponent(token)}`}>{t.createAccount}</Link>
          </p>
          <p>
            {t.haveAccount} <Link href={`/sign-in?next=${encodeURIComponent(here)}`}>{t.signIn}</Link>
          </p>
        </>
      )}
    </div>
  );
}
