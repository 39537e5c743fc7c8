import { BadRequestException, Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { TraceSearchQueries } from '@meridian/storage-clickhouse';
import { parseWindow } from './query-params';
import { validated } from './validated';

/** Trace explorer reads: traces found by span filters (thin: one call per route). */
@Controller()
export class TraceSearchController {
  constructor(@Inject(TraceSearchQueries) readonly queries: TraceSearchQueries) {}

  /** `traceId` finds that one trace whatever the window; otherwise the filters over the window (default: the last hour). */
  @Endpoint(R.traceSearch)
  async search(@TenantOf() t: TenantAccess, @Input() { query }: ParsedInput<typeof R.traceSearch>): Promise<ResponseOf<typeof R.traceSearch>> {
    const window = parseWindow(query, 60 * 60_000);
    // `last` can reach before any Date (an invalid one); the search refuses it by field, a trace id lookup needs no window.
    const range = () => ({ from: window.from.toISOString(), to: window.to.toISOString() });
    if (query.traceId !== undefined) {
      const id = query.traceId;
      const found = await validated(() => this.queries.byId(t.region, t.tenantId, id));
      if (Number.isNaN(window.from.getTime())) throw new BadRequestException('from: must be a valid time');
      return { ...range(), traces: found ? [found] : [], nextCursor: null };
    }
    const result = await validated(async () =>
      this.queries.search(t.region, t.tenantId, {
        ...query,
        ...window,
        attributes: TraceSearchQueries.parseAttributeFilters('attrs', query.attrs),
        resourceAttributes: TraceSearchQueries.parseAttributeFilters('resourceAttrs', query.resourceAttrs),
      }),
    );
    return { ...range(), ...result };
  }
}
