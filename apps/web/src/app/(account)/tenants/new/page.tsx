'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Field, TextInput } from '../../../../components/field';
import { RegionPicker } from '../../../../components/region-picker';
import { ErrorNotice, Loading } from '../../../../components/states';
import { apiKey, useApiMutation, useApiQuery } from '../../../../lib/api';
import { useFieldErrors } from '../../../../lib/errors';
import { defineMessages, useMessages } from '../../../../lib/i18n';
import { suggestSlug } from '../../../../lib/slug';
import { tenantHref } from '../../../../lib/tenant';

const m = defineMessages({
  en: {
    title: 'Create a tenant',
    firstStep: 'Step 2 of 2: a tenant holds your applications’ telemetry, keys and members.',
    name: 'Name',
    nameHint: 'Shown to members, e.g. your company or team.',
    slug: 'Short name (in links and the API)',
    slugHint: '3–40 lowercase letters, digits or dashes.',
    submit: 'Create tenant',
    submitting: 'Creating…',
    failed: 'Could not create the tenant',
    regionsFailed: 'Could not load the data regions',
  },
  ja: {
    title: 'テナントを作成',
    firstStep: 'ステップ 2/2：テナントにはアプリケーションのテレメトリ、キー、メンバーが属します。',
    name: '名前',
    nameHint: 'メンバーに表示されます（会社名やチーム名など）。',
    slug: '短い名前（リンクや API で使用）',
    slugHint: '英小文字・数字・ハイフンで 3〜40 文字。',
    submit: 'テナントを作成',
    submitting: '作成中…',
    failed: 'テナントを作成できませんでした',
    regionsFailed: 'データリージョンを読み込めませんでした',
  },
});

export default function NewTenantPage() {
  const t = useMessages(m);
  const router = useRouter();
  const client = useQueryClient();
  const first = useSearchParams().get('first') === '1';
  const regions = useApiQuery('listRegions', {}, { staleTime: Infinity });
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [region, setRegion] = useState<string | null>(null);
  const chosenRegion = region ?? regions.data?.defaultRegion ?? '';
  const create = useApiMutation('createTenant', {
    onSuccess: async (tenant) => {
      await client.invalidateQueries({ queryKey: apiKey('getSession', {}) });
      // A new tenant has no data: its first need is an ingest key.
      router.push(tenantHref('/settings/keys', tenant.slug, { welcome: 1 }));
    },
  });
  const errors = useFieldErrors(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ body: { name, slug, region: chosenRegion } });
  };

  return (
    <form className="card form form-wide" onSubmit={submit} noValidate>
      <h1>{t.title}</h1>
      {first && <p className="muted">{t.firstStep}</p>}
      {create.error && !Object.keys(errors).length && <ErrorNotice title={t.failed} error={create.error} />}
      <Field label={t.name} hint={t.nameHint} error={errors.name}>
        <TextInput
          name="name"
          required
          maxLength={200}
          value={name}
          autoFocus
          onChange={(e) => {
            setName(e.target.value);
            if (!slugEdited) setSlug(suggestSlug(e.target.value));
          }}
        />
      </Field>
      <Field label={t.slug} hint={t.slugHint} error={errors.slug}>
        <TextInput
          name="slug"
          required
          pattern="[a-z0-9][a-z0-9\-]{2,39}"
          value={slug}
          onChange={(e) => {
            setSlugEdited(true);
            setSlug(e.target.value);
          }}
        />
      </Field>
      {regions.isPending ? (
        <Loading />
      ) : regions.error ? (
        <ErrorNotice title={t.regionsFailed} error={regions.error} onRetry={() => void regions.refetch()} />
      ) : (
        <RegionPicker
          regions={regions.data.regions}
          defaultRegion={regions.data.defaultRegion}
          value={chosenRegion}
          onChange={setRegion}
          error={errors.region}
        />
      )}
      <button type="submit" className="btn btn-primary" disabled={create.isPending || !regions.data}>
        {create.isPending ? t.submitting : t.submit}
      </button>
    </form>
  );
}
