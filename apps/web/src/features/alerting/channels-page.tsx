'use client';

import { useState, type FormEvent } from 'react';
import { DataTable } from '../../components/data-table';
import { Field, TextInput } from '../../components/field';
import { Empty, ErrorNotice, QueryState } from '../../components/states';
import { useApiMutation, useApiQuery, type Input, type Output } from '../../lib/api';
import { errorMessage, useFieldErrors } from '../../lib/errors';
import { useFormat, useMessages } from '../../lib/i18n';
import { roleAtLeast } from '../../lib/roles';
import { useTenant } from '../../lib/tenant';
import styles from './alerting.module.css';
import { alertingMessages } from './messages';
import { suggestKey } from './rule-form';

type Channel = Output<'listAlertChannels'>['channels'][number];
type ChannelBody = NonNullable<Input<'putAlertChannel'>['body']>;
type Kind = Channel['kind'];
const KINDS: readonly Kind[] = ['slack', 'webhook', 'email'];

/** Channels: list (secrets masked) with "Send test" per channel, the add form, and failed deliveries. */
export function ChannelsPage() {
  const t = useMessages(alertingMessages);
  const tenant = useTenant();
  const canWrite = roleAtLeast(tenant.role, 'member');
  const channels = useApiQuery('listAlertChannels', { params: { tenant: tenant.slug } });
  return (
    <div className="stack">
      {!canWrite && <p className="muted">{t.readOnly}</p>}
      <section className="card" aria-labelledby="channels-title">
        <h2 id="channels-title">{t.channelsTitle}</h2>
        <QueryState query={channels}>
          {(data) =>
            data.channels.length === 0 ? (
              <Empty title={t.noChannelsList}>{t.noChannelsHelp}</Empty>
            ) : (
              <ChannelTable channels={data.channels} canWrite={canWrite} />
            )
          }
        </QueryState>
      </section>
      {canWrite && <ChannelForm />}
      <FailedDeliveries channels={channels.data?.channels ?? []} />
    </div>
  );
}

type TestResult = { ok: true } | { ok: false; error: string };

function ChannelTable({ channels, canWrite }: { channels: readonly Channel[]; canWrite: boolean }) {
  const t = useMessages(alertingMessages);
  const tenant = useTenant();
  const [results, setResults] = useState<Record<string, TestResult>>({});
  const record = (id: string, r: TestResult) => setResults((prev) => ({ ...prev, [id]: r }));
  const test = useApiMutation('testAlertChannel', {
    onSuccess: (r, input) => record(input.params!.channelId, r.ok ? { ok: true } : { ok: false, error: r.error ?? '' }),
    onError: (e, input) => record(input.params!.channelId, { ok: false, error: errorMessage(e) }),
  });
  const remove = useApiMutation('deleteAlertChannel', { invalidates: ['listAlertChannels'] });
  return (
    <>
      {remove.error && <ErrorNotice title={t.channelDeleteFailed} error={remove.error} />}
      <table className="table" data-testid="channels">
        <thead>
          <tr>
            <th>{t.colName}</th>
            <th>{t.colKind}</th>
            <th>{t.colTarget}</th>
            {canWrite && <th>{t.colTest}</th>}
            {canWrite && <th />}
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => {
            const result = results[c.id];
            const to = Array.isArray(c.settings.to) ? (c.settings.to as string[]) : [];
            const testing = test.isPending && test.variables?.params?.channelId === c.id;
            return (
              <tr key={c.id}>
                <td>
                  {c.name}
                  <div className="hint">{c.key}</div>
                </td>
                <td>{t[`kind_${c.kind}`]}</td>
                <td>
                  <code>{c.target}</code>
                  {to.length > 0 && <div className="hint">{to.join(', ')}</div>}
                </td>
                {canWrite && (
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={testing}
                      onClick={() => test.mutate({ params: { tenant: tenant.slug, channelId: c.id } })}
                    >
                      {testing ? t.sending : t.sendTest}
                    </button>
                    {result && !testing && (
                      <span role="status" className={`${styles.result} ${result.ok ? '' : styles.error}`}>
                        {result.ok ? t.testOk : t.testFailed(result.error)}
                      </span>
                    )}
                  </td>
                )}
                {canWrite && (
                  <td>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      disabled={remove.isPending}
                      onClick={() => window.confirm(t.confirmDeleteChannel(c.name)) && remove.mutate({ params: { tenant: tenant.slug, channelId: c.id } })}
                    >
                      {t.deleteChannel}
                    </button>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

interface ChannelFormState {
  kind: Kind;
  key: string;
  keyTouched: boolean;
  name: string;
  url: string;
  secret: string;
  smtpUrl: string;
  password: string;
  from: string;
  to: string;
}
const EMPTY: ChannelFormState = { kind: 'slack', key: '', keyTouched: false, name: '', url: '', secret: '', smtpUrl: '', password: '', from: '', to: '' };

function channelBody(f: ChannelFormState): ChannelBody {
  const common = { key: f.key.trim(), name: f.name };
  if (f.kind === 'slack') return { ...common, kind: 'slack', url: f.url.trim() };
  if (f.kind === 'webhook') return { ...common, kind: 'webhook', url: f.url.trim(), secret: f.secret };
  const to = f.to
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  return { ...common, kind: 'email', smtpUrl: f.smtpUrl.trim(), password: f.password, from: f.from.trim(), to };
}

/** Adds (or, by key, replaces) a channel. Secrets go in once and never come back from the API. */
function ChannelForm() {
  const t = useMessages(alertingMessages);
  const tenant = useTenant();
  const [f, setF] = useState<ChannelFormState>(EMPTY);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useApiMutation('putAlertChannel', {
    invalidates: ['listAlertChannels'],
    onSuccess: (c) => {
      setSaved(c.name);
      setF(EMPTY);
    },
  });
  const errors = useFieldErrors(save.error);
  const err = (field: string) => errors[field] ?? Object.entries(errors).find(([k]) => k.startsWith(`${field}.`))?.[1];
  const set = (patch: Partial<ChannelFormState>) => {
    setSaved(null);
    setF((prev) => {
      const next = { ...prev, ...patch };
      return patch.name !== undefined && !next.keyTouched ? { ...next, key: suggestKey(patch.name) } : next;
    });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ params: { tenant: tenant.slug }, body: channelBody(f) });
  };

  return (
    <form className="card form form-inline" onSubmit={submit} noValidate aria-labelledby="channel-form-title">
      <h2 id="channel-form-title">{t.createChannelTitle}</h2>
      <p className="hint">{t.createChannelHint}</p>
      {save.error && !Object.keys(errors).length && <ErrorNotice title={t.channelFailed} error={save.error} />}
      {saved && (
        <p role="status" className="notice notice-info">
          {t.channelSaved(saved)}
        </p>
      )}
      <fieldset className="choice">
        <legend>{t.kind}</legend>
        {KINDS.map((k) => (
          <label key={k}>
            <input type="radio" name="channelKind" value={k} checked={f.kind === k} onChange={() => set({ kind: k })} /> {t[`kind_${k}`]}
          </label>
        ))}
      </fieldset>
      <Field label={t.name} error={err('name')}>
        <TextInput value={f.name} maxLength={200} onChange={(e) => set({ name: e.target.value })} />
      </Field>
      <Field label={t.key} hint={t.channelKeyHint} error={err('key')}>
        <TextInput value={f.key} maxLength={200} onChange={(e) => set({ key: e.target.value, keyTouched: true })} />
      </Field>
      {f.kind !== 'email' && (
        <Field label={f.kind === 'slack' ? t.slackUrl : t.webhookUrl} hint={t.secretHint} error={err('url')}>
          <TextInput type="password" autoComplete="off" value={f.url} onChange={(e) => set({ url: e.target.value })} />
        </Field>
      )}
      {f.kind === 'webhook' && (
        <Field label={t.webhookSecret} hint={t.webhookSecretHint} error={err('secret')}>
          <TextInput type="password" autoComplete="new-password" value={f.secret} onChange={(e) => set({ secret: e.target.value })} />
        </Field>
      )}
      {f.kind === 'email' && (
        <>
          <Field label={t.smtpUrl} hint={t.smtpUrlHint} error={err('smtpUrl')}>
            <TextInput value={f.smtpUrl} onChange={(e) => set({ smtpUrl: e.target.value })} />
          </Field>
          <Field label={t.smtpPassword} hint={t.secretHint} error={err('password')}>
            <TextInput type="password" autoComplete="new-password" value={f.password} onChange={(e) => set({ password: e.target.value })} />
          </Field>
          <Field label={t.from} error={err('from')}>
            <TextInput type="email" value={f.from} onChange={(e) => set({ from: e.target.value })} />
          </Field>
          <Field label={t.to} hint={t.toHint} error={err('to')}>
            <TextInput value={f.to} onChange={(e) => set({ to: e.target.value })} />
          </Field>
        </>
      )}
      <button type="submit" className="btn btn-primary" disabled={save.isPending}>
        {t.createChannel}
      </button>
    </form>
  );
}

function FailedDeliveries({ channels }: { channels: readonly Channel[] }) {
  const t = useMessages(alertingMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const params = { tenant: tenant.slug };
  const failed = useApiQuery('listAlertDeliveries', { params, query: { status: 'failed', limit: 100 } }, { refetchInterval: 10_000 });
  const rules = useApiQuery('listAlertRules', { params });
  const channelName = (id: string) => channels.find((c) => c.id === id)?.name ?? t.removed;
  const ruleName = (id: string | null) => (id === null ? '–' : (rules.data?.rules.find((r) => r.id === id)?.name ?? t.removed));
  return (
    <section className="card" aria-labelledby="failed-title">
      <h2 id="failed-title">{t.failedTitle}</h2>
      <QueryState query={failed}>
        {(data) => (
          <DataTable
            rows={data.deliveries}
            rowKey={(d) => d.id}
            testId="failed-deliveries"
            empty={<Empty title={t.noFailed} />}
            columns={[
              { header: t.colCreated, className: 'nowrap', cell: (d) => fmt.dateTime(d.createdAt) },
              { header: t.colChannel, cell: (d) => channelName(d.channelId) },
              { header: t.colRule, cell: (d) => ruleName(d.ruleId) },
              { header: t.colDeliveryKind, cell: (d) => t[`delivery_${d.kind}`] },
              { header: t.colAttempts, cell: (d) => d.attempts },
              { header: t.colError, className: styles.error, cell: (d) => d.lastError },
            ]}
          />
        )}
      </QueryState>
    </section>
  );
}
