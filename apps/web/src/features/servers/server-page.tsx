'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo } from 'react';
import { ChoiceButtons } from '../../components/choice-buttons';
import { DataTable } from '../../components/data-table';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { TimeSeriesChart, type SeriesLine } from '../../components/time-series-chart';
import { ApiError, useApiQuery, type Output } from '../../lib/api';
import type { Formatter } from '../../lib/format';
import { useFormat, useMessages } from '../../lib/i18n';
import { tenantHref, useTenant } from '../../lib/tenant';
import { formatBytes } from './bytes';
import { serversMessages, type ServersMessages } from './messages';
import styles from './servers.module.css';

const REFRESH_MS = 15_000;
const SPANS = ['15m', '1h', '6h', '24h'] as const;
type Span = (typeof SPANS)[number];
const SPAN_MS: Record<Span, number> = { '15m': 15 * 60_000, '1h': 3600_000, '6h': 6 * 3600_000, '24h': 86_400_000 };
type Detail = Output<'host'>;
type Process = Output<'hostProcesses'>['byCpu'][number];
type Unit = 'share' | 'bytes' | 'bytesPerSec' | 'number';

/** `/servers/host?host=…`: one server's CPU, memory, load, disk and network over time, filesystems, top processes at a moment, its services. */
export function ServerPage() {
  const t = useMessages(serversMessages);
  const fmt = useFormat();
  const tenant = useTenant();
  const router = useRouter();
  const search = useSearchParams();
  const host = search.get('host') ?? '';
  const span = (SPANS as readonly string[]).includes(search.get('last') ?? '') ? (search.get('last') as Span) : '1h';
  // A picked moment: the charts end there and the processes are those of the minutes before it.
  const atParam = Number(search.get('at'));
  const at = Number.isFinite(atParam) && atParam > 0 ? atParam : undefined;
  const window = at === undefined ? { last: span } : { from: new Date(at - SPAN_MS[span]).toISOString(), to: new Date(at).toISOString() };
  const params = { tenant: tenant.slug, host };
  const live = at === undefined ? REFRESH_MS : false;
  const detail = useApiQuery('host', { params, query: window }, { enabled: host !== '', refetchInterval: live });
  const processes = useApiQuery(
    'hostProcesses',
    { params, query: at === undefined ? {} : { at: String(at) } },
    { enabled: host !== '', refetchInterval: live },
  );
  const services = useApiQuery('hostServices', { params, query: window }, { enabled: host !== '', refetchInterval: live });
  const go = (next: { last?: Span; at?: number }) =>
    router.replace(tenantHref('/servers/host', tenant.slug, { host, last: (next.last ?? span) === '1h' ? undefined : (next.last ?? span), at: next.at }), {
      scroll: false,
    });
  // A click on a chart picks the end of that minute (not beyond now).
  const pickMoment = (ms: number) => go({ at: Math.min(Date.now(), Math.floor(ms / 60_000) * 60_000 + 60_000) });
  const back = (
    <Link href={tenantHref('/servers', tenant.slug)} className="hint">
      {t.back}
    </Link>
  );
  // A metric rule on this host's CPU: the mean idle share of system.cpu.utilization (per cpu and state) falling below 20 % / 5 %.
  const alertHref = tenantHref('/alerts/rule', tenant.slug, {
    metric: 'metric',
    name: `CPU busy on ${host}`,
    metricName: 'system.cpu.utilization',
    host,
    attributes: 'state=idle',
    direction: 'below',
    warning: '0.2',
    critical: '0.05',
  });

  const d = detail.data;
  const charts = useMemo(() => {
    if (!d) return null;
    const times = d.times.map((x) => Date.parse(x));
    const lines = (series: Detail['cpu']) => series.map((s) => ({ name: s.name, points: s.values.map((v, i): [number, number | null] => [times[i], v]) }));
    return {
      range: [Date.parse(d.from), Date.parse(d.to)] as [number, number],
      cpu: lines(d.cpu),
      memory: lines(d.memory),
      load: lines(d.load),
      disk: lines(d.disk),
      network: lines(d.network),
    };
  }, [d]);

  if (detail.isPending) return <Loading label={t.loading} />;
  if (detail.error || !d || !charts) {
    return (
      <div className="stack">
        {back}
        {detail.error instanceof ApiError && detail.error.status === 404 ? (
          <Empty title={t.hostMissing} />
        ) : (
          <ErrorNotice error={detail.error} title={t.failed} onRetry={() => void detail.refetch()} />
        )}
        {at !== undefined && (
          <button type="button" className="btn btn-small" onClick={() => go({})}>
            {t.backToLive}
          </button>
        )}
      </div>
    );
  }
  const attrs = ['os.type', 'os.description', 'host.arch', 'deployment.environment', 'cloud.availability_zone', 'host.id'].filter((k) => d.attributes[k]);
  return (
    <div className="stack" data-testid="server-page">
      {back}
      <div className="page-head">
        <div>
          <h1>{d.host}</h1>
          <p className={styles.facts}>
            {d.lastSeen && (
              <span>
                {t.lastSeen} {fmt.dateTime(d.lastSeen)}
              </span>
            )}
            {attrs.map((k) => (
              <span key={k}>
                {k}: {d.attributes[k]}
              </span>
            ))}
          </p>
        </div>
        <Link className="btn btn-small" href={alertHref} data-testid="server-alert">
          {t.alertOnThis}
        </Link>
      </div>

      <div className={styles.timeBar}>
        <ChoiceButtons label={t.window} choices={SPANS} value={span} onPick={(s) => go({ last: s, at })} text={t.spanLabel} joined />
        {at !== undefined && (
          <span className="notice notice-info" data-testid="server-moment">
            {fmt.dateTime(at)}
            <button type="button" className="btn btn-small" onClick={() => go({})}>
              {t.backToLive}
            </button>
          </span>
        )}
      </div>

      <div className={styles.charts}>
        <HostChart title={t.cpuTitle} lines={charts.cpu} range={charts.range} unit="share" stacked fmt={fmt} onPick={pickMoment} testId="server-cpu" />
        <HostChart title={t.memoryTitle} lines={charts.memory} range={charts.range} unit="bytes" stacked fmt={fmt} onPick={pickMoment} testId="server-memory" />
        <HostChart title={t.loadTitle} lines={charts.load} range={charts.range} unit="number" fmt={fmt} onPick={pickMoment} testId="server-load" />
        <HostChart title={t.diskTitle} lines={charts.disk} range={charts.range} unit="bytesPerSec" fmt={fmt} onPick={pickMoment} testId="server-disk" />
        <HostChart
          title={t.networkTitle}
          lines={charts.network}
          range={charts.range}
          unit="bytesPerSec"
          fmt={fmt}
          onPick={pickMoment}
          testId="server-network"
        />
      </div>

      <section className="stack">
        <h2>{t.filesystemsTitle}</h2>
        <DataTable
          rows={d.filesystems}
          rowKey={(f) => f.mountpoint}
          testId="server-filesystems"
          empty={<p className="hint">{t.noFilesystems}</p>}
          columns={[
            { header: t.colMount, cell: (f) => f.mountpoint },
            { header: t.colUsed, numeric: true, cell: (f) => formatBytes(fmt, f.usedBytes) },
            { header: t.colSize, numeric: true, cell: (f) => formatBytes(fmt, f.totalBytes) },
            { header: t.colUse, numeric: true, cell: (f) => (f.use === null ? '–' : fmt.percent(f.use)) },
          ]}
        />
      </section>

      <section className="stack" data-testid="server-processes">
        <h2>{t.processesTitle}</h2>
        <p className="hint">{t.processesAt(fmt.dateTime(processes.data?.at ?? at ?? Date.now()))}</p>
        {processes.error ? (
          <ErrorNotice error={processes.error} title={t.failed} onRetry={() => void processes.refetch()} />
        ) : (
          <div className={styles.twoColumns}>
            <ProcessTable title={t.byCpu} rows={processes.data?.byCpu ?? []} t={t} fmt={fmt} testId="server-processes-cpu" />
            <ProcessTable title={t.byMemory} rows={processes.data?.byMemory ?? []} t={t} fmt={fmt} testId="server-processes-memory" />
          </div>
        )}
      </section>

      <section className="stack">
        <h2>{t.servicesTitle}</h2>
        <p className="hint">{t.servicesHelp}</p>
        <DataTable
          rows={services.data?.services ?? []}
          rowKey={(s) => s.service}
          testId="server-services"
          empty={<p className="hint">{t.noServices}</p>}
          columns={[
            { header: t.colService, cell: (s) => <Link href={tenantHref('/services', tenant.slug, { service: s.service })}>{s.service}</Link> },
            { header: t.colSpans, numeric: true, cell: (s) => fmt.number(s.spans) },
            { header: t.hitmap, cell: (s) => <Link href={tenantHref('/hitmap', tenant.slug, { service: s.service })}>{t.hitmap}</Link> },
          ]}
        />
      </section>
    </div>
  );
}

function ProcessTable({ title, rows, t, fmt, testId }: { title: string; rows: Process[]; t: ServersMessages; fmt: Formatter; testId: string }) {
  return (
    <div className="card">
      <h3 className="hint">{title}</h3>
      <DataTable
        rows={rows}
        rowKey={(p) => p.pid}
        testId={testId}
        empty={<p className="hint">{t.noProcesses}</p>}
        columns={[
          { header: t.colPid, numeric: true, cell: (p) => p.pid },
          { header: t.colProcess, cell: (p) => p.executable, title: (p) => p.commandLine },
          { header: t.colOwner, className: 'hint', cell: (p) => p.owner },
          { header: t.colCpuCores, numeric: true, cell: (p) => (p.cpu === null ? '–' : fmt.number(p.cpu, 2)) },
          {
            header: t.colRss,
            numeric: true,
            cell: (p) => (p.memoryBytes !== null ? formatBytes(fmt, p.memoryBytes) : p.memoryUse !== null ? fmt.percent(p.memoryUse) : '–'),
          },
        ]}
      />
    </div>
  );
}

function formatValue(fmt: Formatter, unit: Unit, v: number): string {
  if (unit === 'share') return fmt.percent(v);
  if (unit === 'bytes') return formatBytes(fmt, v);
  if (unit === 'bytesPerSec') return `${formatBytes(fmt, v)}/s`;
  return fmt.number(v, 2);
}

/** A chart of a host's per-minute points, values in its unit; a click picks that moment. */
function HostChart({
  unit,
  stacked,
  ...chart
}: {
  title: string;
  lines: SeriesLine[];
  range: [number, number];
  unit: Unit;
  stacked?: boolean;
  fmt: Formatter;
  onPick(t: number): void;
  testId: string;
}) {
  return (
    <TimeSeriesChart
      {...chart}
      format={(v) => formatValue(chart.fmt, unit, v)}
      formatAxis
      stacked={stacked}
      yMax={unit === 'share' && stacked ? 1 : undefined}
      className={styles.chart}
    />
  );
}
