'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { Field, TextInput } from '../../../components/field';
import { ErrorNotice } from '../../../components/states';
import { useApiMutation } from '../../../lib/api';
import { useFieldErrors } from '../../../lib/errors';
import { defineMessages, useMessages } from '../../../lib/i18n';
import { safeNext, useAdoptSession, useSession } from '../../../lib/session';

const m = defineMessages({
  en: {
    title: 'Sign in to Meridian',
    email: 'Email',
    password: 'Password',
    submit: 'Sign in',
    submitting: 'Signing in…',
    failed: 'Sign-in failed',
    noAccount: 'No account yet?',
    signUp: 'Create one',
  },
  ja: {
    title: 'Meridian にサインイン',
    email: 'メールアドレス',
    password: 'パスワード',
    submit: 'サインイン',
    submitting: 'サインイン中…',
    failed: 'サインインできませんでした',
    noAccount: 'アカウントをお持ちでない場合',
    signUp: '新規登録',
  },
});

export default function SignInPage() {
  const t = useMessages(m);
  const router = useRouter();
  const params = useSearchParams();
  const adopt = useAdoptSession();
  const { session } = useSession({ onlyIfSignedInBefore: true });
  const next = safeNext(params.get('next'));
  // Already signed in (a bookmark, the back button): go where the page was asked to lead.
  useEffect(() => {
    if (session) router.replace(next);
  }, [session, router, next]);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useApiMutation('signIn', {
    onSuccess: (answer) => {
      adopt(answer);
      router.replace(next);
    },
  });
  const errors = useFieldErrors(signIn.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ body: { email, password } });
  };
  const signUpHref = params.get('next') ? `/sign-up?next=${encodeURIComponent(params.get('next')!)}` : '/sign-up';
  return (
    <form className="card form" onSubmit={submit} noValidate>
      <h1>{t.title}</h1>
      {signIn.error && !Object.keys(errors).length && <ErrorNotice title={t.failed} error={signIn.error} />}
      <Field label={t.email} error={errors.email}>
        <TextInput type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      </Field>
      <Field label={t.password} error={errors.password}>
        <TextInput type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </Field>
      <button type="submit" className="btn btn-primary" disabled={signIn.isPending}>
        {signIn.isPending ? t.submitting : t.submit}
      </button>
      <p className="muted">
        {t.noAccount} <Link href={signUpHref}>{t.signUp}</Link>
      </p>
    </form>
  );
}
