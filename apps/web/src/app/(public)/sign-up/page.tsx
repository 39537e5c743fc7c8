'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Field, TextInput } from '../../../components/field';
import { ErrorNotice } from '../../../components/states';
import { useApiMutation } from '../../../lib/api';
import { useFieldErrors } from '../../../lib/errors';
import { defineMessages, useMessages } from '../../../lib/i18n';
import { useAdoptSession } from '../../../lib/session';
import { tenantHref } from '../../../lib/tenant';

const m = defineMessages({
  en: {
    title: 'Create your Meridian account',
    step: 'Step 1 of 2: your account. Next you create a tenant and choose where its data lives.',
    invited: 'You were invited: once your account exists you join that tenant.',
    email: 'Email',
    password: 'Password',
    passwordHint: 'At least 10 characters. A long phrase of a few words is best; common passwords and your email are refused.',
    checkTitle: 'Check your email',
    checkBody: (email: string) =>
      `We sent an email to ${email}. Open the link in it to finish creating your account; it works once, for a day. Nothing arrived? Check spam, or sign up again.`,
    submit: 'Create account',
    submitting: 'Creating…',
    failed: 'Could not create the account',
    haveAccount: 'Already have an account?',
    signIn: 'Sign in',
  },
  ja: {
    title: 'Meridian アカウントを作成',
    step: 'ステップ 1/2：アカウント。次にテナントを作成し、データの保存リージョンを選びます。',
    invited: '招待されています。アカウント作成後、そのテナントに参加します。',
    email: 'メールアドレス',
    password: 'パスワード',
    passwordHint: '10 文字以上。いくつかの単語を並べた長いフレーズがおすすめです。よく使われるパスワードやメールアドレスを含むものは使えません。',
    checkTitle: 'メールを確認してください',
    checkBody: (email: string) =>
      `${email} にメールを送りました。メール内のリンクを開くとアカウントの作成が完了します（1 回限り、24 時間有効）。届かない場合は迷惑メールを確認するか、もう一度登録してください。`,
    submit: 'アカウントを作成',
    submitting: '作成中…',
    failed: 'アカウントを作成できませんでした',
    haveAccount: 'アカウントをお持ちの場合',
    signIn: 'サインイン',
  },
});

export default function SignUpPage() {
  const t = useMessages(m);
  const router = useRouter();
  const params = useSearchParams();
  const inviteToken = params.get('invite') ?? undefined;
  const adopt = useAdoptSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sentTo, setSentTo] = useState<string | undefined>();
  const signUp = useApiMutation('signUp', {
    onSuccess: (answer) => {
      // Without an invitation the account exists only once the emailed link is opened.
      if ('verification' in answer) return setSentTo(answer.email);
      const session = answer;
      adopt(session);
      // Invited: the invitation's tenant is now yours. Otherwise create the first tenant.
      const joined = session.tenants[0];
      router.replace(inviteToken && joined ? tenantHref('/hitmap', joined.slug) : '/tenants/new?first=1');
    },
  });
  const errors = useFieldErrors(signUp.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signUp.mutate({ body: { email, password, inviteToken } });
  };
  if (sentTo) {
    return (
      <div className="card form" role="status">
        <h1>{t.checkTitle}</h1>
        <p>{t.checkBody(sentTo)}</p>
      </div>
    );
  }
  return (
    <form className="card form" onSubmit={submit} noValidate>
      <h1>{t.title}</h1>
      <p className="muted">{inviteToken ? t.invited : t.step}</p>
      {signUp.error && !Object.keys(errors).length && <ErrorNotice title={t.failed} error={signUp.error} />}
      <Field label={t.email} error={errors.email}>
        <TextInput type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      </Field>
      <Field label={t.password} hint={t.passwordHint} error={errors.password}>
        <TextInput
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      {errors.inviteToken && <ErrorNotice title={t.failed} error={new Error(errors.inviteToken)} />}
      <button type="submit" className="btn btn-primary" disabled={signUp.isPending}>
        {signUp.isPending ? t.submitting : t.submit}
      </button>
      <p className="muted">
        {t.haveAccount} <Link href={inviteToken ? `/invite?token=${encodeURIComponent(inviteToken)}` : '/sign-in'}>{t.signIn}</Link>
      </p>
    </form>
  );
}
