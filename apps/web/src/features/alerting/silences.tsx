'use client';

import { useState, type FormEvent } from 'react';
import { DataTable } from '../../components/data-table';
import { Field, TextInput } from '../../components/field';
import { Empty, ErrorNotice, QueryState } from '../../components/states';
import { useApiMutation, useApiQuery } from '../../lib/api';
import { useFieldErrors } from '../../lib/errors';
import { useFormat, useMessages } from '../../lib/i18n';
import { roleAtLeast } from '../../lib/roles';
import { useTenant } from '../../lib/tenant';
import styles from './alerting.module.css';
import { alertingMessages } from './messages';
import type { AlertRule } from './rule-form';

/**
 * Active silences and a form starting one now for N minutes: for one rule, or for every rule
 * (a maintenance window). With `ruleId` the section is about that rule only.
 */
export function Silences({ rules, ruleId }: { rules: readonly AlertRule[]; ruleId?: string }) {
  const t = useMessages(alertingMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const canWrite = roleAtLeast(tenant.role, 'member');
  const params = { tenant: tenant.slug };
  const silences = useApiQuery('listAlertSilences', { params });
  const [target, setTarget] = useState(ruleId ?? '');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState('60');
  const create = useApiMutation('createAlertSilence', { invalidates: ['listAlertSilences'], onSuccess: () => setReason('') });
  const end = useApiMutation('deleteAlertSilence', { invalidates: ['listAlertSilences'] });
  const errors = useFieldErrors(create.error);
  const ruleName = (id: string | null) => (id === null ? t.allRules : (rules.find((r) => r.id === id)?.name ?? t.removed));
  const shown = silences.data?.silences.filter((s) => !ruleId || s.ruleId === ruleId || s.ruleId === null) ?? [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const ms = Number(minutes) * 60_000;
    // An unreadable duration still goes to the server, which names `endsAt` in its answer.
    const endsAt = Number.isFinite(ms) ? new Date(Date.now() + ms).toISOString() : 'invalid';
    create.mutate({ params, body: { ruleId: target || undefined, reason, endsAt } });
  };

  return (
    <section className="card stack" aria-labelledby="silences-title">
      <h2 id="silences-title">{t.silencesTitle}</h2>
      {end.error && <ErrorNotice title={t.endFailed} error={end.error} />}
      <QueryState query={silences}>
        {() => (
          <DataTable
            rows={shown}
            rowKey={(s) => s.id}
            testId="silences"
            empty={<Empty title={t.noSilences} />}
            columns={[
              { header: t.colSilenceRule, cell: (s) => ruleName(s.ruleId) },
              { header: t.colReason, cell: (s) => s.reason },
              { header: t.colFrom, cell: (s) => fmt.dateTime(s.startsAt) },
              { header: t.colUntil, cell: (s) => fmt.dateTime(s.endsAt) },
              { header: t.colBy, cell: (s) => s.createdBy },
              canWrite && {
                cell: (s) => (
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={end.isPending}
                    onClick={() => window.confirm(t.confirmEndSilence) && end.mutate({ params: { ...params, silenceId: s.id } })}
                  >
                    {t.endSilence}
                  </button>
                ),
              },
            ]}
          />
        )}
      </QueryState>
      {canWrite && (
        <form className="form" onSubmit={submit} noValidate aria-label={t.newSilence}>
          {create.error && !Object.keys(errors).length && <ErrorNotice title={t.silenceFailed} error={create.error} />}
          <div className={styles.grid}>
            {!ruleId && (
              <Field label={t.silenceRule} error={errors.ruleId}>
                <select className="input" value={target} onChange={(e) => setTarget(e.target.value)}>
                  <option value="">{t.allRules}</option>
                  {rules.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name}
                    </option>
                  ))}
                </select>
              </Field>
            )}
            <Field label={t.silenceReason} hint={t.silenceReasonHint} error={errors.reason}>
              <TextInput value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
            </Field>
            <Field label={t.silenceMinutes} error={errors.endsAt}>
              <TextInput type="number" min={1} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
            </Field>
          </div>
          <button type="submit" className="btn" disabled={create.isPending}>
            {ruleId ? t.silenceThisRule : t.silenceStart}
          </button>
        </form>
      )}
    </section>
  );
}
