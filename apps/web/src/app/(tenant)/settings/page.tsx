'use client';

import { useState, type FormEvent } from 'react';
import { Field, TextInput } from '../../../components/field';
import { ErrorNotice, Loading } from '../../../components/states';
import { useApiMutation, useApiQuery } from '../../../lib/api';
import { useFieldErrors } from '../../../lib/errors';
import { defineMessages, useFormat, useMessages } from '../../../lib/i18n';
import { roleAtLeast } from '../../../lib/roles';
import { useTenant } from '../../../lib/tenant';

const m = defineMessages({
  en: {
    name: 'Name',
    rename: 'Rename',
    saving: 'Saving…',
    saved: 'Saved',
    slug: 'Short name',
    region: 'Data region',
    regionFixed: (since: string) =>
      `Fixed since ${since}: this tenant’s telemetry is stored and processed only in this region, and the region cannot be changed.`,
    regionFixedNoDate: 'This tenant’s telemetry is stored and processed only in this region, and the region cannot be changed.',
    retention: 'Retention',
    days: (n: number) => `${n} days`,
    created: 'Created',
    onlyAdmins: 'Only admins can rename the tenant.',
  },
  ja: {
    name: '名前',
    rename: '名前を変更',
    saving: '保存中…',
    saved: '保存しました',
    slug: '短い名前',
    region: 'データリージョン',
    regionFixed: (since: string) => `${since} に確定：このテナントのテレメトリはこのリージョンの中だけで保存・処理され、リージョンは変更できません。`,
    regionFixedNoDate: 'このテナントのテレメトリはこのリージョンの中だけで保存・処理され、リージョンは変更できません。',
    retention: '保持期間',
    days: (n: number) => `${n} 日`,
    created: '作成日時',
    onlyAdmins: 'テナント名を変更できるのは管理者だけです。',
  },
});

export default function GeneralSettingsPage() {
  const t = useMessages(m);
  const fmt = useFormat();
  const tenant = useTenant();
  const info = useApiQuery('getTenant', { params: { tenant: tenant.slug } });
  const [name, setName] = useState<string | null>(null);
  const rename = useApiMutation('updateTenant', { invalidates: ['getTenant', 'getSession'], onSuccess: () => setName(null) });
  const errors = useFieldErrors(rename.error);
  const canRename = roleAtLeast(tenant.role, 'admin');

  if (info.isPending) return <Loading />;
  if (info.error) return <ErrorNotice error={info.error} onRetry={() => void info.refetch()} />;
  const d = info.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name !== null) rename.mutate({ params: { tenant: tenant.slug }, body: { name } });
  };
  return (
    <div className="stack">
      <form className="card form" onSubmit={submit} noValidate>
        <Field label={t.name} error={errors.name} hint={canRename ? undefined : t.onlyAdmins}>
          <TextInput name="name" value={name ?? d.name} disabled={!canRename} maxLength={200} onChange={(e) => setName(e.target.value)} />
        </Field>
        {rename.error && !errors.name && <ErrorNotice error={rename.error} />}
        {canRename && (
          <button type="submit" className="btn" disabled={rename.isPending || name === null || name === d.name}>
            {rename.isPending ? t.saving : rename.isSuccess && name === null ? t.saved : t.rename}
          </button>
        )}
      </form>
      <dl className="card facts">
        <dt>{t.slug}</dt>
        <dd>
          <code>{d.slug}</code>
        </dd>
        <dt>{t.region}</dt>
        <dd>
          <strong>{d.region}</strong>
          <p className="hint">{d.regionLockedAt ? t.regionFixed(fmt.dateTime(d.regionLockedAt)) : t.regionFixedNoDate}</p>
        </dd>
        <dt>{t.retention}</dt>
        <dd>{t.days(d.retentionDays)}</dd>
        <dt>{t.created}</dt>
        <dd>{fmt.dateTime(d.createdAt)}</dd>
      </dl>
    </div>
  );
}
