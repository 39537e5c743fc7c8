import { Controller, Inject, NotFoundException } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { DatabaseHealthQueries, DB_QUERY_LIMITS, SqlStatisticsQueries } from '@meridian/storage-clickhouse';
import { parseWindow } from './query-params';
import { validated } from './validated';

type In<K extends keyof typeof R> = ParsedInput<(typeof R)[K]>;
type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

const HOUR = 3_600_000;
const iso = (w: { from: Date; to: Date }) => ({ from: w.from.toISOString(), to: w.to.toISOString() });

/** SQL statistics, N+1 findings and database instances of the tenant's region: one call per route. */
@Controller()
export class DatabaseController {
  constructor(
    @Inject(SqlStatisticsQueries) private readonly sql: SqlStatisticsQueries,
    @Inject(DatabaseHealthQueries) private readonly health: DatabaseHealthQueries,
  ) {}

  @Endpoint(R.sqlEndpoints)
  async sqlEndpoints(@TenantOf() t: TenantAccess, @Input() { query }: In<'sqlEndpoints'>): Out<'sqlEndpoints'> {
    const window = parseWindow(query, HOUR);
    const endpoints = await validated(() => this.sql.sqlEndpoints(t.region, t.tenantId, { ...window, service: query.service }));
    return { ...iso(window), endpoints };
  }

  @Endpoint(R.sqlStatements)
  async sqlStatements(@TenantOf() t: TenantAccess, @Input() { query }: In<'sqlStatements'>): Out<'sqlStatements'> {
    const window = parseWindow(query, HOUR);
    const statements = await validated(() => this.sql.sqlStatements(t.region, t.tenantId, { ...query, ...window }));
    return { ...iso(window), statements };
  }

  @Endpoint(R.sqlTransactions)
  async sqlTransactions(@TenantOf() t: TenantAccess, @Input() { query }: In<'sqlTransactions'>): Out<'sqlTransactions'> {
    const window = parseWindow(query, HOUR);
    const transactions = await validated(() => this.sql.sqlTransactions(t.region, t.tenantId, { ...query, ...window }));
    return { ...iso(window), transactions };
  }

  @Endpoint(R.sqlNPlusOne)
  async sqlNPlusOne(@TenantOf() t: TenantAccess, @Input() { query }: In<'sqlNPlusOne'>): Out<'sqlNPlusOne'> {
    const window = parseWindow(query, HOUR);
    const threshold = query.threshold ?? DB_QUERY_LIMITS.defaultNPlusOneThreshold;
    const findings = await validated(() => this.sql.nPlusOne(t.region, t.tenantId, { ...query, ...window, threshold }));
    return { ...iso(window), threshold, findings };
  }

  @Endpoint(R.dbInstances)
  async dbInstances(@TenantOf() t: TenantAccess, @Input() { query }: In<'dbInstances'>): Out<'dbInstances'> {
    const window = parseWindow(query, 5 * 60_000);
    const instances = await validated(() => this.health.instances(t.region, t.tenantId, window));
    return { ...iso(window), instances };
  }

  @Endpoint(R.dbInstance)
  async dbInstance(@TenantOf() t: TenantAccess, @Input() { params, query }: In<'dbInstance'>): Out<'dbInstance'> {
    const window = parseWindow(query, HOUR);
    const detail = await validated(() => this.health.instance(t.region, t.tenantId, params.instance, window));
    if (!detail) throw new NotFoundException(`database instance "${params.instance}" has no data in this window`);
    return { ...iso(window), ...detail };
  }
}
