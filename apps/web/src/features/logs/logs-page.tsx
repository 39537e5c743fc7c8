'use client';

import { keepPreviousData } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, type FormEvent } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { NoDataYet } from '../../components/no-data-yet';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { LogHistogram } from './log-histogram';
import { LogTable } from './log-table';
import { logsQuery, logsViewParams, normalizeTraceId, parseLogsView, SEVERITIES, WINDOWS, type LogsView, type SeverityChoice } from './log-view';
import styles from './logs.module.css';
import { logsMessages } from './messages';

/** Records listed per search (newest first). */
const PAGE = 200;
const LIVE_MS = 5_000;
const SEVERITY_CHOICES = Object.keys(SEVERITIES) as SeverityChoice[];

/** `/logs`: search OTLP log records (body text, severity, service, trace, attribute), their severity histogram and a live tail. */
export function LogsPage() {
  const t = useMessages(logsMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const view = parseLogsView(search);
  const show = useCallback(
    (next: LogsView) => router.replace(tenantHref('/logs', tenant.slug, logsViewParams(next)), { scroll: false }),
    [router, tenant.slug],
  );
  const query = logsQuery(view);
  const live = { refetchInterval: view.live ? LIVE_MS : (false as const), placeholderData: keepPreviousData };
  const logs = useApiQuery('logs', { params: { tenant: tenant.slug }, query: { ...query, limit: PAGE } }, live);
  const histogram = useApiQuery('logHistogram', { params: { tenant: tenant.slug }, query }, live);
  const empty = logs.data?.logs.length === 0;
  const usage = useApiQuery('usage', { params: { tenant: tenant.slug } }, { enabled: empty, staleTime: 30_000 });
  const services = useApiQuery('services', { params: { tenant: tenant.slug }, query: { last: '1h' } }, { staleTime: 60_000 });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    show({
      ...view,
      q: text('q'),
      service: text('service'),
      traceId: normalizeTraceId(text('traceId') ?? ''),
      attr: text('attr'),
      severity: String(form.get('severity')) as SeverityChoice,
    });
  };

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.title}</h1>
          <p className="hint">{t.intro}</p>
        </div>
        <div className={styles.actions}>
          {view.range ? (
            <>
              <span data-testid="log-range">{t.range(fmt.dateTime(view.range.from), fmt.dateTime(view.range.to))}</span>
              <button type="button" className="btn btn-small" onClick={() => show({ ...view, range: undefined })}>
                {t.backToWindow}
              </button>
            </>
          ) : (
            <>
              <ChoiceButtons joined label={t.window} choices={WINDOWS} value={view.window} onPick={(w) => show({ ...view, window: w })} text={t.windowLabel} />
              <label className={styles.live} title={t.liveHint}>
                <input type="checkbox" checked={view.live} onChange={(e) => show({ ...view, live: e.target.checked })} data-testid="log-live" />
                {t.live}
              </label>
            </>
          )}
        </div>
      </div>

      {/* Keyed on the URL: the fields show what is searched, also after back/forward or "clear". */}
      <form key={search.toString()} className="card stack" onSubmit={submit} role="search" aria-label={t.search}>
        <div className={styles.filters}>
          <label className="field">
            <span className="field-label">{t.text}</span>
            <input
              className="input"
              name="q"
              type="search"
              defaultValue={view.q}
              placeholder={t.textPlaceholder}
              maxLength={500}
              aria-describedby="log-q-hint"
            />
            <span id="log-q-hint" className="hint">
              {t.textHint}
            </span>
          </label>
          <label className="field">
            {/* Applied at once, with whatever else the form holds. */}
            <span className="field-label">{t.severity}</span>
            <select className="input" name="severity" defaultValue={view.severity} onChange={(e) => e.currentTarget.form?.requestSubmit()}>
              {SEVERITY_CHOICES.map((s) => (
                <option key={s} value={s}>
                  {t[`severity_${s}`]}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">{t.service}</span>
            <input className="input" name="service" defaultValue={view.service} list="log-services" maxLength={500} />
            <datalist id="log-services">
              {[...new Set(services.data?.serviceTotals.map((s) => s.service))].map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          </label>
          <label className="field">
            <span className="field-label">{t.traceId}</span>
            <input className="input" name="traceId" defaultValue={view.traceId} maxLength={64} spellCheck={false} />
          </label>
          <label className="field">
            <span className="field-label">{t.attr}</span>
            <input className="input" name="attr" defaultValue={view.attr} placeholder={t.attrPlaceholder} maxLength={1024} spellCheck={false} />
          </label>
        </div>
        <div className={styles.actions}>
          <button type="submit" className="btn btn-primary">
            {t.search}
          </button>
          {(view.q || view.service || view.traceId || view.attr || view.severity !== 'any') && (
            <button type="button" className="link-button" onClick={() => show({ range: view.range, window: view.window, live: view.live, severity: 'any' })}>
              {t.clear}
            </button>
          )}
        </div>
      </form>

      <section className="card" aria-label={t.histogram}>
        {histogram.error ? (
          <ErrorNotice title={t.failed} error={histogram.error} />
        ) : histogram.data ? (
          <LogHistogram histogram={histogram.data} onPick={(from, to) => show({ ...view, live: false, range: { from, to } })} />
        ) : (
          <Loading label={t.loading} />
        )}
        <p className="hint">{t.histogramHint}</p>
      </section>

      {logs.error ? (
        <ErrorNotice title={t.failed} error={logs.error} onRetry={() => void logs.refetch()} />
      ) : !logs.data ? (
        <Loading label={t.loading} />
      ) : empty ? (
        usage.data?.logs === 0 ? (
          <NoDataYet what={t.noData} />
        ) : (
          <Empty title={t.none}>{t.noneHelp}</Empty>
        )
      ) : (
        <section className="stack">
          <p className="hint" data-testid="log-count">
            {logs.data.logs.length >= PAGE ? t.capped(fmt.number(PAGE)) : t.shown(logs.data.logs.length, fmt.number(logs.data.logs.length))}
          </p>
          <LogTable logs={logs.data.logs} />
        </section>
      )}
    </div>
  );
}
