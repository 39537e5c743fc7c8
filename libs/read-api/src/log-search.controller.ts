import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { LogSearchQueries, type LogsQuery } from '@meridian/storage-clickhouse';
import { parseWindow } from './query-params';
import { validated } from './validated';

type In<K extends keyof typeof R> = ParsedInput<(typeof R)[K]>;
type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

/** Default window of both routes: the last 15 minutes. */
const DEFAULT_WINDOW_MS = 15 * 60_000;

/** Logs explorer reads: search (a live tail polls it) and the severity histogram; thin, one call per route. */
@Controller()
export class LogSearchController {
  constructor(@Inject(LogSearchQueries) private readonly queries: LogSearchQueries) {}

  @Endpoint(R.logs)
  async logs(@TenantOf() t: TenantAccess, @Input() { query }: In<'logs'>): Out<'logs'> {
    const logs = await validated(() => this.queries.search(t.region, t.tenantId, { ...filters(query), limit: query.limit }));
    return { logs };
  }

  @Endpoint(R.logHistogram)
  async logHistogram(@TenantOf() t: TenantAccess, @Input() { query }: In<'logHistogram'>): Out<'logHistogram'> {
    const q = filters(query);
    const histogram = await validated(() => this.queries.histogram(t.region, t.tenantId, q));
    return { from: q.from.toISOString(), to: q.to.toISOString(), ...histogram, levels: [...histogram.levels] };
  }
}

function filters(query: In<'logHistogram'>['query']): LogsQuery {
  return {
    ...parseWindow(query, DEFAULT_WINDOW_MS),
    text: query.q,
    traceId: query.traceId?.toLowerCase(),
    service: query.service,
    minSeverity: query.minSeverity,
    attribute: query.attr,
  };
}
