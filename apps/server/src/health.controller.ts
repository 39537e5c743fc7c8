import { Controller, Get, HttpCode, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ClickHouseClients } from '@meridian/storage-clickhouse';

/** Liveness and readiness. */
@Controller()
export class HealthController {
  constructor(
    @Optional() @Inject(ClickHouseClients) private readonly clients?: ClickHouseClients,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  health() {
    return { status: 'ok' };
  }

  /** Ready when every region's ClickHouse this process uses answers (if it uses any). */
  @Get('readyz')
  async ready() {
    const clients = this.clients;
    if (clients) {
      const down: string[] = [];
      for (const id of clients.regions()) if (!(await clients.forRegion(id).ping().catch(() => false))) down.push(id);
      if (down.length) throw new ServiceUnavailableException(`ClickHouse unreachable for region(s) ${down.join(', ')}`);
    }
    return { status: 'ready' };
  }
}
