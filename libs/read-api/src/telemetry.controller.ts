import { Controller, Inject, NotFoundException } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { TelemetryQueries } from '@meridian/storage-clickhouse';
import { parseTime, parseWindow } from './query-params';
import { validated } from './validated';

type In<K extends keyof typeof R> = ParsedInput<(typeof R)[K]>;
type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

/**
 * Read API over the tenant's region: thin, one call per route; the queries own the SQL. The
 * access guard has already checked membership/role and resolved the tenant's region.
 */
@Controller()
export class TelemetryController {
  constructor(@Inject(TelemetryQueries) private readonly queries: TelemetryQueries) {}

  @Endpoint(R.trace)
  async trace(@TenantOf() t: TenantAccess, @Input() { params }: In<'trace'>): Out<'trace'> {
    const trace = await validated(() => this.queries.traceById(t.region, t.tenantId, params.traceId.toLowerCase()));
    if (!trace) throw new NotFoundException(`trace ${params.traceId} not found`);
    return trace;
  }

  @Endpoint(R.hitmap)
  hitmap(@TenantOf() t: TenantAccess, @Input() { query }: In<'hitmap'>): Out<'hitmap'> {
    const since = query.since === undefined ? undefined : parseTime(query.since, 'since');
    return validated(() =>
      this.queries.hitmap(t.region, t.tenantId, { ...parseWindow(query, 10 * 60_000), service: query.service, endpoint: query.endpoint, since }),
    );
  }

  @Endpoint(R.hitmapSelection)
  async hitmapSelection(@TenantOf() t: TenantAccess, @Input() { query }: In<'hitmapSelection'>): Out<'hitmapSelection'> {
    const groups = await validated(() => this.queries.selectionSummary(t.region, t.tenantId, { ...query, ...parseWindow(query, 10 * 60_000) }));
    return { groups };
  }

  @Endpoint(R.services)
  async services(@TenantOf() t: TenantAccess, @Input() { query }: In<'services'>): Out<'services'> {
    const window = parseWindow(query, 60 * 60_000);
    const { endpoints, services } = await validated(() => this.queries.services(t.region, t.tenantId, window));
    return { from: window.from.toISOString(), to: window.to.toISOString(), services: endpoints, serviceTotals: services };
  }

  @Endpoint(R.serviceSeries)
  async serviceSeries(@TenantOf() t: TenantAccess, @Input() { query }: In<'serviceSeries'>): Out<'serviceSeries'> {
    const window = parseWindow(query, 60 * 60_000);
    const { stepSeconds, series } = await validated(() => this.queries.serviceSeries(t.region, t.tenantId, window));
    return { from: window.from.toISOString(), to: window.to.toISOString(), stepSeconds, series };
  }

  @Endpoint(R.transactions)
  async transactions(@TenantOf() t: TenantAccess, @Input() { query }: In<'transactions'>): Out<'transactions'> {
    const rows = await validated(() => this.queries.transactions(t.region, t.tenantId, { ...query, ...parseWindow(query, 10 * 60_000) }));
    return { transactions: rows };
  }

  @Endpoint(R.metrics)
  async metrics(@TenantOf() t: TenantAccess, @Input() { query }: In<'metrics'>): Out<'metrics'> {
    const points = await validated(() => this.queries.metricPoints(t.region, t.tenantId, { ...query, ...parseWindow(query, 15 * 60_000) }));
    return { points };
  }

  /** Stored rows of the tenant per signal (what it is using). */
  @Endpoint(R.usage)
  async usage(@TenantOf() t: TenantAccess): Out<'usage'> {
    const [spans, metricPoints, logs] = await Promise.all([
      this.queries.countRows(t.region, t.tenantId, 'spans'),
      this.queries.countRows(t.region, t.tenantId, 'metric_points'),
      this.queries.countRows(t.region, t.tenantId, 'logs'),
    ]);
    return { region: t.region, spans, metricPoints, logs };
  }
}
