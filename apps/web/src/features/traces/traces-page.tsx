'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState, type FormEvent } from 'react';
import { Field, TextInput } from '../../components/field';
import { QueryState } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { tracesMessages } from './messages';
import { normalizeTraceId, searchFromParams, searchToParams, searchToQuery, WINDOWS, type TraceSearch } from './search';
import styles from './traces.module.css';

type Messages = (typeof tracesMessages)['en'];

/** `/traces`: find traces by id or by span filters; every filter, the sort and the page live in the URL. */
export function TracesPage() {
  const t = useMessages(tracesMessages);
  const params = useSearchParams();
  const search = useMemo(() => searchFromParams(new URLSearchParams(params.toString())), [params]);
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{t.title}</h1>
          <p className="hint">{t.intro}</p>
        </div>
      </div>
      {/* Keyed by the URL: going back or following a link shows that search in the form. */}
      <SearchForm key={params.toString()} search={search} t={t} />
      <Results search={search} t={t} />
    </div>
  );
}

function SearchForm({ search, t }: { search: TraceSearch; t: Messages }) {
  const tenant = useTenant();
  const router = useRouter();
  const [form, setForm] = useState(search);
  const [traceIdText, setTraceIdText] = useState(search.traceId ?? '');
  const [badId, setBadId] = useState(false);
  const services = useApiQuery('services', { params: { tenant: tenant.slug }, query: { last: form.window } }, { staleTime: 60_000 });
  const names = useMemo(() => [...new Set((services.data?.services ?? []).map((s) => s.service))].sort(), [services.data]);
  const endpoints = useMemo(
    () => [...new Set((services.data?.services ?? []).filter((s) => !form.service || s.service === form.service).map((s) => s.endpoint))].sort(),
    [services.data, form.service],
  );
  const set = <K extends keyof TraceSearch>(k: K, v: TraceSearch[K]) => setForm((f) => ({ ...f, [k]: v }));
  const text = (v: string) => v.trim() || undefined;
  const num = (v: string) => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
  const go = (s: TraceSearch) => router.push(tenantHref('/traces', tenant.slug, searchToParams(s)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const idText = traceIdText.trim();
    const traceId = idText ? normalizeTraceId(idText) : undefined;
    setBadId(idText !== '' && !traceId);
    if (idText !== '' && !traceId) return;
    go({ ...form, traceId, cursor: undefined });
  };

  return (
    <form className="card" onSubmit={submit} aria-label={t.title} data-testid="trace-search">
      <div className={styles.idRow}>
        <Field label={t.traceId} hint={t.traceIdHint} error={badId ? t.badTraceId : undefined}>
          <TextInput value={traceIdText} onChange={(e) => setTraceIdText(e.target.value)} spellCheck={false} autoComplete="off" name="traceId" />
        </Field>
      </div>
      <div className={styles.grid}>
        <Field label={t.window}>
          <select className="input" value={form.window} onChange={(e) => set('window', e.target.value as TraceSearch['window'])} name="last">
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                {t.windowLabel(w)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.service}>
          <select className="input" value={form.service ?? ''} onChange={(e) => set('service', text(e.target.value))} name="service">
            <option value="">{t.anyService}</option>
            {[...new Set([...(form.service ? [form.service] : []), ...names])].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.endpoint}>
          <TextInput value={form.endpoint ?? ''} onChange={(e) => set('endpoint', text(e.target.value))} list="trace-endpoints" name="endpoint" />
        </Field>
        <datalist id="trace-endpoints">
          {endpoints.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        <Field label={t.minMs}>
          <TextInput type="number" min={0} value={form.minMs ?? ''} onChange={(e) => set('minMs', num(e.target.value))} name="minMs" />
        </Field>
        <Field label={t.maxMs}>
          <TextInput type="number" min={0} value={form.maxMs ?? ''} onChange={(e) => set('maxMs', num(e.target.value))} name="maxMs" />
        </Field>
        <Field label={t.status}>
          <select
            className="input"
            value={form.status ?? ''}
            onChange={(e) => set('status', (e.target.value || undefined) as TraceSearch['status'])}
            name="status"
          >
            <option value="">{t.anyStatus}</option>
            <option value="error">{t.statusError}</option>
            <option value="ok">{t.statusOk}</option>
          </select>
        </Field>
        <Field label={t.httpStatus}>
          <TextInput
            type="number"
            min={100}
            max={599}
            value={form.httpStatus ?? ''}
            onChange={(e) => set('httpStatus', num(e.target.value))}
            name="httpStatus"
          />
        </Field>
      </div>
      <div className={styles.attrs}>
        <Field label={t.attrs} hint={t.attrsHint}>
          <textarea className="input" rows={2} value={form.attrs ?? ''} onChange={(e) => set('attrs', text(e.target.value))} spellCheck={false} name="attrs" />
        </Field>
        <Field label={t.resourceAttrs} hint={t.attrsHint}>
          <textarea
            className="input"
            rows={2}
            value={form.resourceAttrs ?? ''}
            onChange={(e) => set('resourceAttrs', text(e.target.value))}
            spellCheck={false}
            name="resourceAttrs"
          />
        </Field>
      </div>
      <div className={styles.actions}>
        <button type="submit" className="btn btn-primary">
          {t.search}
        </button>
        <Link className="btn" href={tenantHref('/traces', tenant.slug)}>
          {t.reset}
        </Link>
        <span className="hint">{t.matchNote}</span>
      </div>
    </form>
  );
}

function Results({ search, t }: { search: TraceSearch; t: Messages }) {
  const tenant = useTenant();
  const fmt = useFormat();
  const router = useRouter();
  const query = useApiQuery('traceSearch', { params: { tenant: tenant.slug }, query: searchToQuery(search) }, { staleTime: 30_000 });
  const go = (s: TraceSearch) => router.push(tenantHref('/traces', tenant.slug, searchToParams(s)));
  const sortHeader = (col: 'start' | 'duration', label: string) => {
    const active = !search.traceId && search.sort === col;
    const next = active && search.order === 'desc' ? 'asc' : 'desc';
    const words = col === 'start' ? { desc: t.newest, asc: t.oldest } : { desc: t.longest, asc: t.shortest };
    return (
      <th className={styles.num} aria-sort={active ? (search.order === 'desc' ? 'descending' : 'ascending') : undefined}>
        <button
          type="button"
          className="link-button"
          disabled={!!search.traceId}
          title={t.sortBy(label, words[next])}
          onClick={() => go({ ...search, sort: col, order: next, cursor: undefined })}
        >
          {label} {active ? (search.order === 'desc' ? '↓' : '↑') : ''}
        </button>
      </th>
    );
  };

  return (
    <section className="card" aria-label={t.results} data-testid="trace-results">
      <h2>{t.results}</h2>
      <QueryState query={query} loadingLabel={t.loading} failedTitle={t.failed}>
        {(data) =>
          data.traces.length === 0 ? (
            <p className="state state-empty">{search.traceId ? t.notFound : t.none}</p>
          ) : (
            <>
              <table className="table">
                <thead>
                  <tr>
                    <th>{t.colRoot}</th>
                    {sortHeader('start', t.colStart)}
                    {sortHeader('duration', t.colDuration)}
                    <th className={styles.num}>{t.colSpans}</th>
                    <th className={styles.num}>{t.colErrors}</th>
                    <th>{t.colServices}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.traces.map((r) => (
                    <tr key={r.traceId} data-trace-id={r.traceId}>
                      <td>
                        <Link href={tenantHref('/trace', tenant.slug, { id: r.traceId })} title={t.open}>
                          {r.rootService ? `${r.rootService} · ${r.rootEndpoint}` : <span className="muted">{t.rootMissing}</span>}
                        </Link>
                        <div className={`hint ${styles.traceId}`}>{r.traceId}</div>
                      </td>
                      <td className={`${styles.num} nowrap`}>{fmt.dateTime(Date.parse(r.startTime))}</td>
                      <td className={styles.num}>{fmt.duration(r.durationMs)}</td>
                      <td className={styles.num}>{fmt.number(r.spanCount)}</td>
                      <td className={`${styles.num} ${r.errorCount > 0 ? styles.error : ''}`}>{fmt.number(r.errorCount)}</td>
                      <td className="hint">{r.services.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="pager">
                {search.cursor && (
                  <button type="button" className="btn btn-small" onClick={() => go({ ...search, cursor: undefined })}>
                    {t.firstPage}
                  </button>
                )}
                {data.nextCursor && (
                  <button type="button" className="btn btn-small" onClick={() => go({ ...search, cursor: data.nextCursor ?? undefined })}>
                    {t.nextPage} →
                  </button>
                )}
              </div>
            </>
          )
        }
      </QueryState>
    </section>
  );
}
