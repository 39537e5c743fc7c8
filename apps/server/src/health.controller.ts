import { Controller, Get, HttpCode, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { type MeridianConfig } from '@meridian/config';
import { ClickHouseClients } from '@meridian/storage-clickhouse';
import { MERIDIAN_CONFIG } from './infrastructure.module';

/** Liveness, readiness and the public region list (what a tenant admin chooses from). */
@Controller()
export class HealthController {
  constructor(
    @Inject(MERIDIAN_CONFIG) private readonly cfg: MeridianConfig,
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

  @Get('api/v1/regions')
  regions() {
    return {
      defaultRegion: this.cfg.defaultRegion,
      regions: this.cfg.regions.map((r) => ({ id: r.id, name: r.name, location: r.location })),
    };
  }
}
