'use client';

import { useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { CopyBlock } from '../../../../components/copy-block';
import { DataTable } from '../../../../components/data-table';
import { Field, TextInput } from '../../../../components/field';
import { Empty, ErrorNotice, QueryState } from '../../../../components/states';
import { useApiMutation, useApiQuery, type Output } from '../../../../lib/api';
import { useFieldErrors } from '../../../../lib/errors';
import { defineMessages, useFormat, useMessages } from '../../../../lib/i18n';
import { roleAtLeast } from '../../../../lib/roles';
import { shellExports } from '../../../../lib/shell';
import { useTenant } from '../../../../lib/tenant';

type CreatedKey = Output<'createKey'>;
type KeyKind = CreatedKey['key']['kind'];

const m = defineMessages({
  en: {
    welcome: (name: string, region: string) => `Tenant “${name}” is ready; its data lives in ${region}. Create an ingest key to start sending telemetry.`,
    createTitle: 'Create a key',
    name: 'Name',
    nameHint: 'Where it will be used, e.g. “checkout-service prod”.',
    kind: 'Kind',
    ingest: 'Ingest key',
    ingestHelp: 'for OpenTelemetry SDKs and Collectors sending OTLP',
    api: 'API key',
    apiHelp: 'for scripts reading the REST API (acts as a member)',
    create: 'Create key',
    creating: 'Creating…',
    createFailed: 'Could not create the key',
    onlyAdmins: 'Only admins can create and revoke keys.',
    secretTitle: (name: string) => `Key “${name}” created: copy it now`,
    secretOnce: 'This is the only time the full key is shown. Meridian stores only a hash of it.',
    secretLabel: 'The key',
    envTitle: 'OpenTelemetry SDK settings (paste into the shell that starts your application):',
    done: 'I have copied it',
    listTitle: 'Keys',
    none: 'No keys yet',
    noneHelp: 'Applications send data with an ingest key; create one above.',
    colName: 'Name',
    colKind: 'Kind',
    colPrefix: 'Starts with',
    colCreated: 'Created',
    colLastUsed: 'Last used',
    colStatus: 'Status',
    never: 'never',
    active: 'active',
    revokedAt: (at: string) => `revoked ${at}`,
    revoke: 'Revoke',
    confirmRevoke: (name: string) => `Revoke “${name}”? Applications using it are refused within seconds.`,
    revokeFailed: 'Could not revoke the key',
  },
  ja: {
    welcome: (name: string, region: string) =>
      `テナント「${name}」の準備ができました（データの保存先：${region}）。テレメトリを送るには取り込みキーを作成してください。`,
    createTitle: 'キーを作成',
    name: '名前',
    nameHint: '使う場所（例：「checkout-service 本番」）。',
    kind: '種類',
    ingest: '取り込みキー',
    ingestHelp: 'OTLP を送る OpenTelemetry SDK / Collector 用',
    api: 'API キー',
    apiHelp: 'REST API を読むスクリプト用（メンバー権限）',
    create: 'キーを作成',
    creating: '作成中…',
    createFailed: 'キーを作成できませんでした',
    onlyAdmins: 'キーの作成と無効化は管理者だけが行えます。',
    secretTitle: (name: string) => `キー「${name}」を作成しました：今すぐコピーしてください`,
    secretOnce: 'キー全体が表示されるのは今回だけです。Meridian はハッシュだけを保存します。',
    secretLabel: 'キー',
    envTitle: 'OpenTelemetry SDK の設定（アプリケーションを起動するシェルに貼り付け）：',
    done: 'コピーしました',
    listTitle: 'キー一覧',
    none: 'キーはまだありません',
    noneHelp: 'アプリケーションは取り込みキーでデータを送ります。上で作成してください。',
    colName: '名前',
    colKind: '種類',
    colPrefix: '先頭',
    colCreated: '作成日時',
    colLastUsed: '最終使用',
    colStatus: '状態',
    never: '未使用',
    active: '有効',
    revokedAt: (at: string) => `${at} に無効化`,
    revoke: '無効化',
    confirmRevoke: (name: string) => `「${name}」を無効化しますか？使用中のアプリケーションは数秒以内に拒否されます。`,
    revokeFailed: 'キーを無効化できませんでした',
  },
});

/** Ingest and API keys: create (the secret shown once, with OTel env vars), list, revoke. */
export default function KeysPage() {
  const t = useMessages(m);
  const fmt = useFormat();
  const tenant = useTenant();
  const welcome = useSearchParams().get('welcome') === '1';
  const isAdmin = roleAtLeast(tenant.role, 'admin');
  const params = { tenant: tenant.slug };
  const keys = useApiQuery('listKeys', { params });
  const [name, setName] = useState('');
  const [kind, setKind] = useState<KeyKind>('ingest');
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const create = useApiMutation('createKey', {
    invalidates: ['listKeys'],
    onSuccess: (answer) => {
      setCreated(answer);
      setName('');
    },
  });
  const revoke = useApiMutation('revokeKey', { invalidates: ['listKeys'] });
  const errors = useFieldErrors(create.error);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ params, body: { name, kind } });
  };

  return (
    <div className="stack">
      {welcome && !created && <p className="notice notice-info">{t.welcome(tenant.name, tenant.region)}</p>}

      {created && (
        <section className="card secret" aria-live="polite">
          <h2>{t.secretTitle(created.key.name)}</h2>
          <p className="notice notice-warn">{t.secretOnce}</p>
          <CopyBlock label={t.secretLabel} text={created.secret} />
          {Object.keys(created.otelEnv).length > 0 && (
            <>
              <p>{t.envTitle}</p>
              <CopyBlock text={shellExports(created.otelEnv)} />
            </>
          )}
          <button type="button" className="btn" onClick={() => setCreated(null)}>
            {t.done}
          </button>
        </section>
      )}

      {isAdmin ? (
        <form className="card form form-inline" onSubmit={submit} noValidate>
          <h2>{t.createTitle}</h2>
          {create.error && !Object.keys(errors).length && <ErrorNotice title={t.createFailed} error={create.error} />}
          <Field label={t.name} hint={t.nameHint} error={errors.name}>
            <TextInput name="keyName" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus={welcome} />
          </Field>
          <fieldset className="choice">
            <legend>{t.kind}</legend>
            {(['ingest', 'api'] as const).map((k) => (
              <label key={k}>
                <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} /> <strong>{t[k]}</strong>{' '}
                <span className="hint">{k === 'ingest' ? t.ingestHelp : t.apiHelp}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            {create.isPending ? t.creating : t.create}
          </button>
        </form>
      ) : (
        <p className="muted">{t.onlyAdmins}</p>
      )}

      <section className="card">
        <h2>{t.listTitle}</h2>
        {revoke.error && <ErrorNotice title={t.revokeFailed} error={revoke.error} />}
        <QueryState query={keys}>
          {(data) => (
            <DataTable
              rows={data.keys}
              rowKey={(k) => k.id}
              empty={<Empty title={t.none}>{t.noneHelp}</Empty>}
              rowProps={(k) => ({ className: k.revokedAt ? 'row-dim' : undefined })}
              columns={[
                { header: t.colName, cell: (k) => k.name },
                { header: t.colKind, cell: (k) => t[k.kind] },
                { header: t.colPrefix, cell: (k) => <code>{k.prefix}…</code> },
                { header: t.colCreated, cell: (k) => fmt.dateTime(k.createdAt) },
                { header: t.colLastUsed, cell: (k) => (k.lastUsedAt ? fmt.dateTime(k.lastUsedAt) : t.never) },
                {
                  header: t.colStatus,
                  cell: (k) => (k.revokedAt ? t.revokedAt(fmt.dateTime(k.revokedAt)) : <span className="badge badge-ok">{t.active}</span>),
                },
                isAdmin && {
                  cell: (k) =>
                    !k.revokedAt && (
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        disabled={revoke.isPending}
                        onClick={() => window.confirm(t.confirmRevoke(k.name)) && revoke.mutate({ params: { tenant: tenant.slug, keyId: k.id } })}
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
    </div>
  );
}
