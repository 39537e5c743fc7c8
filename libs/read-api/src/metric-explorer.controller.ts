import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { MetricExplorerQueries } from '@meridian/storage-clickhouse';
import { parseWindow } from './query-params';
import { validated } from './validated';

type In<K extends keyof typeof R> = ParsedInput<(typeof R)[K]>;
type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

const HOUR = 3_600_000;
const iso = (w: { from: Date; to: Date }) => ({ from: w.from.toISOString(), to: w.to.toISOString() });

/** Metrics explorer reads: metric names, a metric's attributes and its lines over time (thin: one call per route). */
@Controller()
export class MetricExplorerController {
  constructor(@Inject(MetricExplorerQueries) private readonly queries: MetricExplorerQueries) {}

  @Endpoint(R.metricNames)
  async metricNames(@TenantOf() t: TenantAccess, @Input() { query }: In<'metricNames'>): Out<'metricNames'> {
    const window = parseWindow(query, HOUR);
    const metrics = await validated(() => this.queries.metricNames(t.region, t.tenantId, { ...window, search: query.search, limit: query.limit }));
    return { ...iso(window), metrics };
  }

  @Endpoint(R.metricAttributes)
  async metricAttributes(@TenantOf() t: TenantAccess, @Input() { query }: In<'metricAttributes'>): Out<'metricAttributes'> {
    const window = parseWindow(query, HOUR);
    const keys = await validated(() => this.queries.metricAttributes(t.region, t.tenantId, { ...window, name: query.name }));
    return { ...iso(window), keys };
  }

  @Endpoint(R.metricSeries)
  async metricSeries(@TenantOf() t: TenantAccess, @Input() { query }: In<'metricSeries'>): Out<'metricSeries'> {
    const window = parseWindow(query, HOUR);
    const result = await validated(() =>
      this.queries.metricSeries(t.region, t.tenantId, {
        ...window,
        name: query.name,
        aggregation: query.agg,
        groupBy: query.groupBy,
        filters: query.filter,
        stepSeconds: query.step,
      }),
    );
    return { ...iso(window), ...result };
  }
}
