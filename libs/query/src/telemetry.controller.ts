import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query, Req, UseGuards } from '@nestjs/common';
import { QueryValidationError, TelemetryQueries } from '@meridian/storage-clickhouse';
import { TenantAccessGuard, type TenantRequest } from './tenant-access.guard';
import { parseWindow, optionalNumber, optionalString } from './query-params';

/** Read API over the tenant's region: thin, one call per route; the queries own the SQL. */
@Controller('api/v1/tenants/:tenant')
@UseGuards(TenantAccessGuard)
export class TelemetryController {
  constructor(@Inject(TelemetryQueries) private readonly queries: TelemetryQueries) {}

  @Get('traces/:traceId')
  async trace(@Req() req: TenantRequest, @Param('traceId') traceId: string) {
    const trace = await validated(() => this.queries.traceById(req.tenant.region, req.tenant.tenantId, traceId.toLowerCase()));
    if (!trace) throw new NotFoundException(`trace ${traceId} not found`);
    return trace;
  }

  @Get('hitmap')
  hitmap(@Req() req: TenantRequest, @Query() q: Record<string, unknown>) {
    return validated(() =>
      this.queries.hitmap(req.tenant.region, req.tenant.tenantId, { ...parseWindow(q, 10 * 60_000), service: optionalString(q, 'service'), endpoint: optionalString(q, 'endpoint') }),
    );
  }

  @Get('services')
  async services(@Req() req: TenantRequest, @Query() q: Record<string, unknown>) {
    const window = parseWindow(q, 60 * 60_000);
    const rows = await validated(() => this.queries.services(req.tenant.region, req.tenant.tenantId, window));
    return { from: window.from.toISOString(), to: window.to.toISOString(), services: rows };
  }

  @Get('transactions')
  async transactions(@Req() req: TenantRequest, @Query() q: Record<string, unknown>) {
    const window = parseWindow(q, 10 * 60_000);
    const rows = await validated(() =>
      this.queries.transactions(req.tenant.region, req.tenant.tenantId, {
        ...window,
        minMs: optionalNumber(q, 'minMs'),
        maxMs: optionalNumber(q, 'maxMs'),
        service: optionalString(q, 'service'),
        endpoint: optionalString(q, 'endpoint'),
        limit: optionalNumber(q, 'limit'),
      }),
    );
    return { transactions: rows };
  }

  @Get('metrics')
  async metrics(@Req() req: TenantRequest, @Query() q: Record<string, unknown>) {
    const points = await validated(() =>
      this.queries.metricPoints(req.tenant.region, req.tenant.tenantId, {
        ...parseWindow(q, 15 * 60_000),
        name: optionalString(q, 'name'),
        service: optionalString(q, 'service'),
        limit: optionalNumber(q, 'limit'),
      }),
    );
    return { points };
  }

  @Get('logs')
  async logs(@Req() req: TenantRequest, @Query() q: Record<string, unknown>) {
    const logs = await validated(() =>
      this.queries.logs(req.tenant.region, req.tenant.tenantId, {
        ...parseWindow(q, 15 * 60_000),
        traceId: optionalString(q, 'traceId')?.toLowerCase(),
        service: optionalString(q, 'service'),
        minSeverity: optionalNumber(q, 'minSeverity'),
        limit: optionalNumber(q, 'limit'),
      }),
    );
    return { logs };
  }

  /** Stored rows of the tenant per signal (what it is using). */
  @Get('usage')
  async usage(@Req() req: TenantRequest) {
    const { region, tenantId } = req.tenant;
    const [spans, metricPoints, logs] = await Promise.all([
      this.queries.countRows(region, tenantId, 'spans'),
      this.queries.countRows(region, tenantId, 'metric_points'),
      this.queries.countRows(region, tenantId, 'logs'),
    ]);
    return { region, spans, metricPoints, logs };
  }
}

async function validated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof QueryValidationError) throw new BadRequestException(e.message);
    throw e;
  }
}
