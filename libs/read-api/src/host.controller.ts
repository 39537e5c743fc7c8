import { Controller, Inject, NotFoundException } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { HostQueries } from '@meridian/storage-clickhouse';
import { parseTime, parseWindow } from './query-params';
import { validated } from './validated';

type In<K extends keyof typeof R> = ParsedInput<(typeof R)[K]>;
type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

const HOUR = 3_600_000;
const iso = (w: { from: Date; to: Date }) => ({ from: w.from.toISOString(), to: w.to.toISOString() });

/** Servers reads: every host's latest figures, one host's series and processes (thin: one call per route). */
@Controller()
export class HostController {
  constructor(@Inject(HostQueries) readonly queries: HostQueries) {}

  @Endpoint(R.hosts)
  async hosts(@TenantOf() t: TenantAccess, @Input() { query }: In<'hosts'>): Out<'hosts'> {
    const window = parseWindow(query, HOUR);
    const result = await validated(() => this.queries.hosts(t.region, t.tenantId, { ...query, ...window }));
    return { ...iso(window), ...result };
  }

  @Endpoint(R.host)
  async host(@TenantOf() t: TenantAccess, @Input() { params, query }: In<'host'>): Out<'host'> {
    const window = parseWindow(query, HOUR);
    const detail = await validated(() => this.queries.host(t.region, t.tenantId, params.host, window));
    if (!detail.lastSeen) throw new NotFoundException(`host "${params.host}" has no data in this window`);
    return { ...iso(window), ...detail };
  }

  @Endpoint(R.hostProcesses)
  async hostProcesses(@TenantOf() t: TenantAccess, @Input() { params, query }: In<'hostProcesses'>): Out<'hostProcesses'> {
    const at = query.at !== undefined ? parseTime(query.at, 'at') : new Date();
    return validated(() => this.queries.processes(t.region, t.tenantId, params.host, { at, limit: query.limit }));
  }

  @Endpoint(R.hostServices)
  async hostServices(@TenantOf() t: TenantAccess, @Input() { params, query }: In<'hostServices'>): Out<'hostServices'> {
    const window = parseWindow(query, HOUR);
    const services = await validated(() => this.queries.services(t.region, t.tenantId, params.host, window));
    return { ...iso(window), services };
  }
}
