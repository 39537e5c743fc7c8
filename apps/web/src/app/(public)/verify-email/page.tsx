'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { ErrorNotice } from '../../../components/states';
import { useApiMutation } from '../../../lib/api';
import { useFieldErrors } from '../../../lib/errors';
import { defineMessages, useMessages } from '../../../lib/i18n';
import { useAdoptSession } from '../../../lib/session';

const m = defineMessages({
  en: {
    title: 'Finish creating your Meridian account',
    body: 'Your email address is confirmed by this link. Create the account to continue; next you create a tenant.',
    missing: 'This link has no token. Open the link from the sign-up email again.',
    submit: 'Create my account',
    submitting: 'Creating…',
    failed: 'Could not finish the sign-up',
    again: 'Sign up again',
  },
  ja: {
    title: 'Meridian アカウントの作成を完了',
    body: 'このリンクでメールアドレスが確認されました。アカウントを作成して続けてください。次にテナントを作成します。',
    missing: 'このリンクにはトークンがありません。登録メールのリンクをもう一度開いてください。',
    submit: 'アカウントを作成',
    submitting: '作成中…',
    failed: '登録を完了できませんでした',
    again: 'もう一度登録する',
  },
});

/**
 * The link of the sign-up email (`/verify-email?token=…`). Creating the account takes a click,
 * not just opening the page: mail scanners that open links must not finish sign-ups.
 */
export default function VerifyEmailPage() {
  const t = useMessages(m);
  const router = useRouter();
  const token = useSearchParams().get('token');
  const adopt = useAdoptSession();
  const verify = useApiMutation('verifyEmail', {
    onSuccess: (session) => {
      adopt(session);
      router.replace('/tenants/new?first=1');
    },
  });
  const errors = useFieldErrors(verify.error);
  if (!token) return <ErrorNotice title={t.title} error={new Error(t.missing)} />;
  return (
    <div className="card form">
      <h1>{t.title}</h1>
      <p>{t.body}</p>
      {verify.error && <ErrorNotice title={t.failed} error={errors.token ? new Error(errors.token) : verify.error} />}
      <button type="button" className="btn btn-primary" disabled={verify.isPending} onClick={() => verify.mutate({ body: { token } })}>
        {verify.isPending ? t.submitting : t.submit}
      </button>
      {verify.error && (
        <p className="muted">
          <Link href="/sign-up">{t.again}</Link>
        </p>
      )}
    </div>
  );
}
