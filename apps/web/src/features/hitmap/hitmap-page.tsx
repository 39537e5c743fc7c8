'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo, useState } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { NoDataYet } from '../../components/no-data-yet';
import { ErrorNotice, Loading } from '../../components/states';
import { useApiQuery } from '../../lib/api';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { BLUE_RAMP, cellScale, ERROR_RAMP, rampGradient } from './colors';
import { Filters } from './filters';
import { HitmapChart, type ChartRange } from './hitmap-chart';
import { hitmapMessages } from './messages';
import styles from './hitmap.module.css';
import { SelectionPanel, type Group } from './selection-panel';
import { TIME_PICKER_FROM_ID, TimePicker } from './time-picker';
import { TransactionsTable } from './transactions-table';
import { useHitmapCells } from './use-hitmap';
import { freezeWindow, liveWindow, parseView, spanMs, viewParams, type HitmapView } from './view';
import { Y_ZOOMS, yZoomTop } from './y-axis';
import { Shortcuts, useShortcuts } from './shortcuts';

/**
 * The SRE's landing page: the live hitmap, its filters and time picker, and the drill-down
 * (drag → per-endpoint counts → transactions → trace). Everything the view shows is in the
 * URL, so a copied link opens the same window, filters and selection.
 */
export function HitmapPage() {
  const t = useMessages(hitmapMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const view = useMemo(() => parseView(search), [search]);
  const go = useCallback((next: HitmapView) => router.push(tenantHref('/hitmap', tenant.slug, viewParams(next)), { scroll: false }), [router, tenant.slug]);

  const cells = useHitmapCells(tenant.slug, view);
  const data = cells.data;
  const scale = useMemo(() => cellScale(data ?? []), [data]);
  const totals = useMemo(() => (data ?? []).reduce((a, c) => ({ hits: a.hits + c.hits, errors: a.errors + c.errors }), { hits: 0, errors: 0 }), [data]);
  const w = view.window;
  const range: ChartRange = w.live ? { live: true, spanMs: spanMs(w.span)! } : { live: false, from: w.from, to: w.to };
  const empty = data !== undefined && data.length === 0 && !cells.isPlaceholderData;
  // Only asked when the window is empty: is there no data in the window, or none at all yet?
  const usage = useApiQuery('usage', { params: { tenant: tenant.slug } }, { enabled: empty, staleTime: 30_000 });
  const filters = { service: view.service, endpoint: view.endpoint };
  const yZoom = view.yZoom ?? 'all';
  const [help, setHelp] = useState(false);
  useShortcuts({
    help: () => setHelp((v) => !v),
    live: () => go({ ...view, window: w.live ? freezeWindow(w, Date.now()) : liveWindow(w) }),
    time: () => document.getElementById(TIME_PICKER_FROM_ID)?.focus(),
    clear: () => (help ? setHelp(false) : view.selection && go({ ...view, selection: undefined, picked: undefined })),
  });

  return (
    <div className={styles.page}>
      <div className={styles.toolbar}>
        <h1>{t.title}</h1>
        <Filters
          tenant={tenant.slug}
          window={w}
          service={view.service}
          endpoint={view.endpoint}
          onChange={(service, endpoint) => go({ ...view, service, endpoint, picked: undefined })}
        />
        <TimePicker value={w} onChange={(window) => go({ ...view, window })} />
      </div>
      <div className={styles.summaryRow}>
        <p className={styles.summary} data-testid="hitmap-summary" aria-live="polite">
          {data ? t.summary(fmt.number(totals.hits), fmt.number(totals.errors)) : ''}
        </p>
        <ChoiceButtons
          joined
          label={t.yZoom}
          testId="y-zoom"
          choices={Y_ZOOMS}
          value={yZoom}
          onPick={(z) => go({ ...view, yZoom: z === 'all' ? undefined : z })}
          text={t.yZoomLabel}
        />
        <p className={styles.legend} aria-hidden>
          <span>{t.legendFew}</span>
          <span className={styles.ramp} style={{ background: rampGradient(BLUE_RAMP) }} />
          <span>{t.legendMany}</span>
          <span className={styles.ramp} style={{ background: rampGradient(ERROR_RAMP) }} />
          <span>{t.legendErrors}</span>
        </p>
      </div>
      {cells.error && <ErrorNotice error={cells.error} title={t.failed} onRetry={() => void cells.refetch()} />}
      <div className={styles.main}>
        <div className={styles.chartWrap}>
          <HitmapChart
            cells={data ?? []}
            scale={scale}
            range={range}
            selection={view.selection}
            topRow={yZoomTop(yZoom)}
            onSelect={(selection) => go({ ...view, selection, picked: undefined })}
            fmt={fmt}
            label={t.chartLabel}
            tooltip={t.tooltip}
          />
          {cells.isPending && (
            <div className={styles.overlay}>
              <Loading label={t.loading} />
            </div>
          )}
          {!view.selection && data && data.length > 0 && <p className="hint">{t.dragHint}</p>}
          {help && <Shortcuts onClose={() => setHelp(false)} />}
        </div>
        {view.selection && (
          <SelectionPanel
            tenant={tenant.slug}
            selection={view.selection}
            filters={filters}
            picked={view.picked}
            onPick={(picked: Group) => go({ ...view, picked })}
            onClear={() => go({ ...view, selection: undefined, picked: undefined })}
          />
        )}
      </div>
      {empty &&
        (usage.data?.spans === 0 ? (
          <NoDataYet what={t.noData} />
        ) : usage.data ? (
          <div className="state state-empty">
            <strong>{t.emptyWindow}</strong>
            <span>{t.emptyWindowHelp}</span>
          </div>
        ) : null)}
      {view.selection && view.picked && <TransactionsTable tenant={tenant.slug} selection={view.selection} group={view.picked} />}
    </div>
  );
}
