import { Controller, Get, HttpCode, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { BUS, type Bus } from '@meridian/bus';
import { ClickHouseClients } from '@meridian/storage-clickhouse';

/** How long a dependency may take to answer a readiness check before it counts as unreachable. */
const READY_TIMEOUT_MS = 2_000;

/**
 * Liveness and readiness. The server listens only after its migrations (control plane and
 * ClickHouse) ran, so until then the probes fail to connect: not ready.
 */
@Controller()
export class HealthController {
  constructor(
    @Optional() @Inject(ClickHouseClients) private readonly clients?: ClickHouseClients,
    @Optional() @Inject(BUS) private readonly bus?: Bus,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  health() {
    return { status: 'ok' };
  }

  /** Ready when every region's ClickHouse and bus this process uses answers (if it uses any). */
  @Get('readyz')
  async ready() {
    const clients = this.clients;
    const [chDown, busDown, topicsMissing] = await Promise.all([
      clients
        ? Promise.all(clients.regions().map(async (id) => ((await withTimeout(clients.forRegion(id).ping())) ? undefined : id))).then((ids) =>
            ids.filter((id) => id !== undefined),
          )
        : [],
      this.bus ? this.bus.unreachableRegions(READY_TIMEOUT_MS) : [],
      this.bus?.missingTopics ? this.bus.missingTopics(READY_TIMEOUT_MS) : [],
    ]);
    const problems = [
      ...(chDown.length ? [`ClickHouse unreachable for region(s) ${chDown.join(', ')}`] : []),
      ...(busDown.length ? [`bus unreachable for region(s) ${busDown.join(', ')}`] : []),
      ...(topicsMissing.length
        ? [`bus topic(s) missing and the brokers do not auto-create topics: ${topicsMissing.join(', ')}; create them (README "Distributed mode (Kafka)")`]
        : []),
    ];
    if (problems.length) throw new ServiceUnavailableException(problems.join('; '));
    return { status: 'ready' };
  }
}

function withTimeout(ping: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([ping.catch(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), READY_TIMEOUT_MS)))]).finally(() =>
    clearTimeout(timer),
  );
}
