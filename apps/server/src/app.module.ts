import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { MeridianConfig } from '@meridian/config';
import { AccountsModule } from '@meridian/accounts';
import { AlerterModule } from '@meridian/alerter';
import { AlertingApiModule } from '@meridian/alerting-api';
import { AuthModule } from '@meridian/auth';
import { CollectorModule } from '@meridian/collector';
import { IngesterModule } from '@meridian/ingester';
import { IntakeModule } from '@meridian/intake';
import { ReadApiModule } from '@meridian/read-api';
import { accountsOptions, authOptions } from './api-options';
import { alerterOptions, alertingApiOptions } from './alerting-options';
import type { Prepared } from './bootstrap';
import { HealthController } from './health.controller';
import { OpenApiController } from './openapi.controller';
import { RouteContractCheck } from './route-contract-check';
import { InfrastructureModule } from './infrastructure.module';
import { METRICS_OPTIONS, MetricsController, type MetricsOptions } from './metrics.controller';
import { infraOf, Role, type RoleName, type RolePlan } from './roles';

/** What one role adds to the application: its Nest modules, and routes served by the app itself. */
export interface RoleModules {
  imports: Array<Type | DynamicModule>;
  controllers?: Type[];
}

type ConcreteRole = Exclude<RoleName, typeof Role.All>;

/**
 * The module map, beside the dependency map in roles.ts: the Nest modules each role runs, each
 * built from its own config section (`all` is a composite: its roles bring theirs). Entries are
 * in start order: Nest runs lifecycle hooks in import order, shutdown hooks in reverse.
 */
export const ROLE_MODULES: Record<ConcreteRole, (cfg: MeridianConfig, prepared: Prepared) => RoleModules> = {
  [Role.Intake]: (cfg) => ({ imports: [IntakeModule.forRoot({ host: cfg.server.host, ...cfg.intake })] }),
  [Role.Ingester]: (cfg) => ({ imports: [IngesterModule.forRoot({ regions: cfg.regions.map((r) => r.id), ...cfg.ingester })] }),
  [Role.Collector]: (cfg) => ({ imports: [CollectorModule.forRoot(cfg.collector)] }),
  [Role.Alerter]: (cfg, prepared) => ({ imports: [AlerterModule.forRoot(alerterOptions(cfg, prepared.secretsKey))] }),
  [Role.Api]: (cfg, prepared) => ({
    imports: [
      AlertingApiModule.forRoot(alertingApiOptions(cfg, prepared.secretsKey)),
      AuthModule.forRoot(authOptions(cfg)),
      AccountsModule.forRoot(accountsOptions(cfg)),
      ReadApiModule,
    ],
    controllers: [OpenApiController],
  }),
};

/** Composes the planned roles from the module map, on top of the infrastructure they need (once). */
@Module({})
export class AppModule {
  static forRoot(cfg: MeridianConfig, plan: RolePlan, prepared: Prepared): DynamicModule {
    const roles = (Object.keys(ROLE_MODULES) as ConcreteRole[]).filter((r) => plan.modules.has(r)).map((r) => ROLE_MODULES[r](cfg, prepared));
    return {
      module: AppModule,
      imports: [InfrastructureModule.forRoot(cfg, infraOf(plan.modules)), DiscoveryModule, ...roles.flatMap((r) => r.imports)],
      controllers: [HealthController, MetricsController, ...roles.flatMap((r) => r.controllers ?? [])],
      providers: [RouteContractCheck, { provide: METRICS_OPTIONS, useValue: { token: cfg.server.metricsToken } satisfies MetricsOptions }],
    };
  }
}
