'use client';

import { ALERT_METRICS, ALERT_METRIC_UNITS, HOST_HEARTBEAT_METRIC, type AlertMetric } from '@meridian/api-contract';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useId, useState, type FormEvent } from 'react';
import { Field, TextInput } from '../../components/field';
import { Empty, ErrorNotice, Loading, QueryState } from '../../components/states';
import { ApiError, useApiMutation, useApiQuery } from '../../lib/api';
import { useFieldErrors } from '../../lib/errors';
import { useFormat, useMessages } from '../../lib/i18n';
import { roleAtLeast } from '../../lib/roles';
import { tenantHref, useTenant } from '../../lib/tenant';
import styles from './alerting.module.css';
import { alertingMessages } from './messages';
import { metricLabel, SeverityBadge, StateBadge } from './parts';
import {
  formatMetricValue,
  formFromParams,
  formToBody,
  metricInputs,
  parseAttributes,
  ruleToForm,
  scopeChoices,
  suggestKey,
  unknownScope,
  type AlertRule,
  type RuleForm,
} from './rule-form';
import { RulePreview } from './rule-preview';
import { Silences } from './silences';

/** `/alerts/rule?id=…`: a rule's editor, state, history and silences; without `id`, a new rule. */
export function RulePage() {
  const t = useMessages(alertingMessages);
  const tenant = useTenant();
  const id = useSearchParams().get('id');
  const params = { tenant: tenant.slug };
  const rule = useApiQuery('getAlertRule', { params: { ...params, ruleId: id ?? '' } }, { enabled: id !== null, refetchInterval: 5_000 });
  const rules = useApiQuery('listAlertRules', { params }, { enabled: id !== null });
  const back = (
    <Link href={tenantHref('/alerts', tenant.slug)} className="muted">
      {t.backToAlerts}
    </Link>
  );

  if (id === null) {
    return (
      <div className="stack">
        {back}
        <h2>{t.createTitle}</h2>
        <RuleEditor />
      </div>
    );
  }
  if (rule.isPending) return <Loading />;
  if (rule.error) {
    const gone = rule.error instanceof ApiError && (rule.error.status === 404 || rule.error.status === 400);
    return (
      <div className="stack">
        {back}
        {gone ? <Empty title={t.notFound} /> : <ErrorNotice error={rule.error} onRetry={() => void rule.refetch()} />}
      </div>
    );
  }
  return (
    <div className="stack">
      {back}
      <h2>{t.editTitle(rule.data.name)}</h2>
      <RuleFacts rule={rule.data} />
      <RuleEditor key={rule.data.id} rule={rule.data} />
      <History ruleId={rule.data.id} metric={rule.data.metric} />
      {rules.data && <Silences rules={rules.data.rules} ruleId={rule.data.id} />}
    </div>
  );
}

function RuleFacts({ rule }: { rule: AlertRule }) {
  const t = useMessages(alertingMessages);
  const fmt = useFormat();
  return (
    <dl className="facts card" data-testid="rule-state">
      <dt>{t.currentState}</dt>
      <dd>
        <StateBadge t={t} rule={rule} />
        {rule.state.since && <span className="muted"> {fmt.dateTime(rule.state.since)}</span>}
      </dd>
      <dt>{t.lastValue}</dt>
      <dd>{rule.state.lastValue === null ? '–' : formatMetricValue(fmt, rule.metric, rule.state.lastValue)}</dd>
      <dt>{t.lastEval}</dt>
      <dd>{rule.state.lastEvalAt ? fmt.dateTime(rule.state.lastEvalAt) : t.never}</dd>
      {rule.runbookUrl && (
        <>
          <dt>{t.runbook}</dt>
          <dd>
            <a href={rule.runbookUrl} target="_blank" rel="noreferrer noopener">
              {t.runbookOpen}
            </a>
          </dd>
        </>
      )}
    </dl>
  );
}

/** The form of one rule. Viewers see it disabled and without buttons. */
function RuleEditor({ rule }: { rule?: AlertRule }) {
  const t = useMessages(alertingMessages);
  const tenant = useTenant();
  const router = useRouter();
  const fmt = useFormat();
  const canWrite = roleAtLeast(tenant.role, 'member');
  const params = { tenant: tenant.slug };
  const channels = useApiQuery('listAlertChannels', { params });
  // What the tenant has sent lately: typeahead for the scope, and a warning on names it never sent.
  const known = useApiQuery('services', { params, query: { last: '24h' } }, { staleTime: 60_000 });
  const search = useSearchParams();
  const [form, setForm] = useState<RuleForm>(() => (rule ? ruleToForm(rule) : formFromParams(search)));
  const [keyTouched, setKeyTouched] = useState(rule !== undefined || search.has('key'));
  const [saved, setSaved] = useState(false);
  const save = useApiMutation('putAlertRule', {
    invalidates: ['listAlertRules', 'getAlertRule', 'listFiringAlerts'],
    onSuccess: (r) => {
      setSaved(true);
      if (!rule) router.replace(tenantHref('/alerts/rule', tenant.slug, { id: r.id }));
    },
  });
  const remove = useApiMutation('deleteAlertRule', {
    invalidates: ['listAlertRules', 'listFiringAlerts'],
    onSuccess: () => router.push(tenantHref('/alerts', tenant.slug)),
  });
  const serverErrors = useFieldErrors(save.error);
  const uses = metricInputs(form.metric);
  const attrs = parseAttributes(uses.attributes ? form.attributes : '');
  const resourceAttrs = parseAttributes(uses.resourceAttributes ? form.resourceAttributes : '');
  // Nested issues (`channels.0`, `attributes.x`) belong to their field.
  const err = (field: string) => serverErrors[field] ?? Object.entries(serverErrors).find(([k]) => k.startsWith(`${field}.`))?.[1];
  const listId = useId();
  const knownScopes = known.data?.services ?? [];
  const choices = scopeChoices(knownScopes, form.service);
  // Only once the tenant's names are in: an empty list would call every name unknown.
  const unknown = knownScopes.length && uses.service ? unknownScope(knownScopes, form.service, uses.endpoint ? form.endpoint : '') : undefined;
  const unit = ALERT_METRIC_UNITS[form.metric];
  const set = <K extends keyof RuleForm>(k: K, v: RuleForm[K]) => {
    setSaved(false);
    setForm((f) => ({ ...f, [k]: v, ...(k === 'name' && !keyTouched ? { key: suggestKey(String(v)) } : {}) }));
  };

  const { key: _key, name: _name, enabled: _enabled, ...definition } = formToBody(form);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (attrs.badLine !== undefined || resourceAttrs.badLine !== undefined) return;
    save.mutate({ params, body: formToBody(form) });
  };
  // Seconds read back in words ("900" → "= 15 minutes"), so a window is not mistaken by 60×.
  const period = (k: 'windowSeconds' | 'forSeconds' | 'renotifySeconds', hint: string) => {
    const seconds = Number(form[k]);
    return form[k].trim() !== '' && Number.isFinite(seconds) && seconds > 0 ? `${hint} ${t.inWords(fmt.period(seconds))}` : hint;
  };
  const num = (k: 'slowMs' | 'warning' | 'critical' | 'windowSeconds' | 'forSeconds' | 'renotifySeconds' | 'hysteresisPercent') => (
    <TextInput type="number" min={0} step="any" value={form[k]} onChange={(e) => set(k, e.target.value)} />
  );

  return (
    <form className="card form" onSubmit={submit} noValidate aria-label={rule ? t.editTitle(rule.name) : t.createTitle}>
      {save.error && !Object.keys(serverErrors).length && <ErrorNotice title={t.saveFailed} error={save.error} />}
      {remove.error && <ErrorNotice title={t.deleteFailed} error={remove.error} />}
      <fieldset disabled={!canWrite} className="stack">
        <legend>{t.sectionCondition}</legend>
        <div className={styles.grid}>
          <Field label={t.name} error={err('name')}>
            <TextInput value={form.name} maxLength={200} onChange={(e) => set('name', e.target.value)} />
          </Field>
          <Field label={t.key} hint={rule ? t.keyFixed : t.keyHint} error={err('key')}>
            <TextInput
              value={form.key}
              maxLength={200}
              readOnly={rule !== undefined}
              onChange={(e) => {
                setKeyTouched(true);
                set('key', e.target.value);
              }}
            />
          </Field>
          <Field label={t.metric} error={err('metric')}>
            <select className="input" value={form.metric} onChange={(e) => set('metric', e.target.value as AlertMetric)}>
              {ALERT_METRICS.map((x) => (
                <option key={x} value={x}>
                  {metricLabel(t, x)}
                </option>
              ))}
            </select>
          </Field>
          {uses.direction && (
            <Field label={t.direction} error={err('direction')}>
              <select className="input" value={form.direction} onChange={(e) => set('direction', e.target.value as RuleForm['direction'])}>
                <option value="above">{t.directionAbove}</option>
                <option value="below">{t.directionBelow}</option>
              </select>
            </Field>
          )}
        </div>
        <label>
          <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} /> {t.enabled}
        </label>
      </fieldset>

      <fieldset disabled={!canWrite}>
        <legend>{t.sectionScope}</legend>
        <div className={styles.grid}>
          {uses.service && (
            <Field
              label={t.service}
              hint={unknown === 'service' ? <span className={styles.unknown}>{t.unknownService(form.service.trim())}</span> : t.scopeHint}
              error={err('service')}
            >
              <TextInput value={form.service} list={`${listId}-services`} autoComplete="off" onChange={(e) => set('service', e.target.value)} />
            </Field>
          )}
          {uses.endpoint && (
            <Field
              label={t.endpoint}
              hint={unknown === 'endpoint' ? <span className={styles.unknown}>{t.unknownEndpoint(form.endpoint.trim())}</span> : t.scopeHint}
              error={err('endpoint')}
            >
              <TextInput value={form.endpoint} list={`${listId}-endpoints`} autoComplete="off" onChange={(e) => set('endpoint', e.target.value)} />
            </Field>
          )}
          <datalist id={`${listId}-services`}>
            {choices.services.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <datalist id={`${listId}-endpoints`}>
            {choices.endpoints.map((e) => (
              <option key={e} value={e} />
            ))}
          </datalist>
          {uses.dbInstance && (
            <Field label={t.dbInstance} hint={t.scopeHint} error={err('dbInstance')}>
              <TextInput value={form.dbInstance} onChange={(e) => set('dbInstance', e.target.value)} />
            </Field>
          )}
          {uses.host && (
            <Field label={t.host} hint={t.hostNameHint} error={err('host')}>
              <TextInput value={form.host} onChange={(e) => set('host', e.target.value)} />
            </Field>
          )}
          {uses.metricName && (
            <Field
              label={form.metric === 'host_down' ? t.heartbeatMetric : t.metricName}
              hint={form.metric === 'host_down' ? t.heartbeatMetricHint(HOST_HEARTBEAT_METRIC) : t.metricNameHint}
              error={err('metricName')}
            >
              <TextInput value={form.metricName} onChange={(e) => set('metricName', e.target.value)} />
            </Field>
          )}
          {uses.podPrefix && (
            <Field label={t.podPrefix} hint={t.podPrefixHint} error={err('podPrefix')}>
              <TextInput value={form.podPrefix} onChange={(e) => set('podPrefix', e.target.value)} />
            </Field>
          )}
          {uses.resourceAttributes && (
            <Field
              label={t.resourceAttributes}
              hint={t.resourceAttributesHint}
              error={resourceAttrs.badLine !== undefined ? t.attributesBad(resourceAttrs.badLine) : err('resourceAttributes')}
            >
              <textarea className={`input ${styles.textarea}`} value={form.resourceAttributes} onChange={(e) => set('resourceAttributes', e.target.value)} />
            </Field>
          )}
          {uses.attributes && (
            <Field label={t.attributes} hint={t.attributesHint} error={attrs.badLine !== undefined ? t.attributesBad(attrs.badLine) : err('attributes')}>
              <textarea className={`input ${styles.textarea}`} value={form.attributes} onChange={(e) => set('attributes', e.target.value)} />
            </Field>
          )}
          {uses.slowMs && (
            <Field label={t.slowMs} hint={t.slowMsHint} error={err('slowMs')}>
              {num('slowMs')}
            </Field>
          )}
        </div>
      </fieldset>

      <fieldset disabled={!canWrite}>
        <legend>{t.sectionThresholds}</legend>
        <div className={styles.grid}>
          <Field label={t.warningThreshold} hint={t.unitHint(unit)} error={err('warning')}>
            {num('warning')}
          </Field>
          <Field label={t.criticalThreshold} hint={t.unitHint(unit)} error={err('critical')}>
            {num('critical')}
          </Field>
          <Field
            label={t.window}
            hint={period('windowSeconds', form.metric === 'host_down' ? t.hostDownWindowHint : t.windowHint)}
            error={err('windowSeconds')}
          >
            {num('windowSeconds')}
          </Field>
          <Field label={t.forSeconds} hint={period('forSeconds', t.forHint)} error={err('forSeconds')}>
            {num('forSeconds')}
          </Field>
          <Field label={t.renotify} hint={period('renotifySeconds', t.renotifyHint)} error={err('renotifySeconds')}>
            {num('renotifySeconds')}
          </Field>
          <Field label={t.hysteresis} hint={t.hysteresisHint} error={err('hysteresisPercent')}>
            {num('hysteresisPercent')}
          </Field>
        </div>
      </fieldset>

      <RulePreview rule={definition} />

      <fieldset disabled={!canWrite}>
        <legend>{t.sectionNotify}</legend>
        <div className="stack">
          <div role="group" aria-label={t.channels}>
            <strong>{t.channels}</strong>
            {channels.error ? (
              <ErrorNotice error={channels.error} onRetry={() => void channels.refetch()} />
            ) : channels.data?.channels.length === 0 ? (
              <p className="muted">{t.noChannels}</p>
            ) : (
              <div className={styles.checks}>
                {channels.data?.channels.map((c) => (
                  <label key={c.id}>
                    <input
                      type="checkbox"
                      checked={form.channels.includes(c.key)}
                      onChange={(e) => set('channels', e.target.checked ? [...form.channels, c.key] : form.channels.filter((k) => k !== c.key))}
                    />{' '}
                    {c.name} <span className="muted">({t[`kind_${c.kind}`]})</span>
                  </label>
                ))}
              </div>
            )}
            {err('channels') && (
              <span className="field-error" role="alert">
                {err('channels')}
              </span>
            )}
          </div>
          <Field label={t.runbook} hint={t.runbookHint} error={err('runbookUrl')}>
            <TextInput type="url" value={form.runbookUrl} onChange={(e) => set('runbookUrl', e.target.value)} />
          </Field>
        </div>
      </fieldset>

      {canWrite && (
        <div className={styles.actions}>
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            {save.isPending ? t.saving : t.save}
          </button>
          {saved && (
            <span role="status" className="muted">
              {t.saved}
            </span>
          )}
          {rule && (
            <button
              type="button"
              className="btn btn-danger"
              disabled={remove.isPending}
              onClick={() => window.confirm(t.confirmDelete(rule.name)) && remove.mutate({ params: { ...params, ruleId: rule.id } })}
            >
              {t.delete}
            </button>
          )}
        </div>
      )}
    </form>
  );
}

function History({ ruleId, metric }: { ruleId: string; metric: AlertMetric }) {
  const t = useMessages(alertingMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const history = useApiQuery('alertRuleHistory', { params: { tenant: tenant.slug, ruleId }, query: { limit: 100 } }, { refetchInterval: 5_000 });
  const value = (v: number | null) => (v === null ? '–' : formatMetricValue(fmt, metric, v));
  const states: Record<string, string> = { ok: t.stateOk, pending: t.statePending, firing: t.stateFiring, resolved: t.stateResolved };
  const state = (s: string) => states[s] ?? s;
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">{t.historyTitle}</h2>
      <QueryState query={history}>
        {(data) =>
          data.events.length === 0 ? (
            <Empty title={t.noHistory} />
          ) : (
            <table className="table" data-testid="history">
              <thead>
                <tr>
                  <th>{t.colAt}</th>
                  <th>{t.colTransition}</th>
                  <th>{t.colSeverity}</th>
                  <th>{t.colEventValue}</th>
                  <th>{t.colThreshold}</th>
                </tr>
              </thead>
              <tbody>
                {data.events.map((e, i) => (
                  <tr key={`${e.at}-${i}`}>
                    <td className="nowrap">{fmt.dateTime(e.at)}</td>
                    <td>{t.transitionLabel(state(e.from), state(e.to))}</td>
                    <td>
                      <SeverityBadge t={t} severity={e.severity} />
                    </td>
                    <td>{value(e.value)}</td>
                    <td>{value(e.threshold)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </section>
  );
}
