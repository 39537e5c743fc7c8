import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { MeridianConfig } from '@meridian/config';
import { AccountsModule } from '@meridian/accounts';
import { AlertingModule } from '@meridian/alerting';
import { AuthModule } from '@meridian/auth';
import { CollectorModule } from '@meridian/collector';
import { IngesterModule } from '@meridian/ingester';
import { IntakeModule } from '@meridian/intake';
import { QueryApiModule } from '@meridian/read-api';
import { accountsOptions, authOptions } from './api-options';
import { alertingOptions } from './alerting-options';
import { HealthController } from './health.controller';
import { OpenApiController } from './openapi.controller';
import { RouteContractCheck } from './route-contract-check';
import { InfrastructureModule } from './infrastructure.module';
import { MetricsController } from './metrics.controller';
import { Infra, type InfraName, resolveModules, Role, type RoleName } from './roles';

/** Composes the requested roles; each role module is built from its own config section. */
@Module({})
export class AppModule {
  static forRoot(cfg: MeridianConfig, roles: readonly RoleName[]): DynamicModule {
    const modules = resolveModules(roles);
    const infra = new Set([...modules].filter((m): m is InfraName => (Object.values(Infra) as string[]).includes(m)));
    const imports: DynamicModule['imports'] = [InfrastructureModule.forRoot(cfg, infra), DiscoveryModule];
    if (modules.has(Role.Intake)) {
      imports.push(IntakeModule.forRoot({ host: cfg.server.host, ...cfg.intake }));
    }
    if (modules.has(Role.Ingester)) {
      imports.push(IngesterModule.forRoot({ regions: cfg.regions.map((r) => r.id), ...cfg.ingester }));
    }
    if (modules.has(Role.Collector)) imports.push(CollectorModule.forRoot(cfg.collector));
    if (modules.has(Role.Api) || modules.has(Role.Alerter)) {
      imports.push(AlertingModule.forRoot(alertingOptions(cfg), { api: modules.has(Role.Api), alerter: modules.has(Role.Alerter) }));
    }
    if (modules.has(Role.Api)) imports.push(AuthModule.forRoot(authOptions(cfg)), AccountsModule.forRoot(accountsOptions(cfg)), QueryApiModule);
    return { module: AppModule, imports, controllers: [HealthController, MetricsController, ...(modules.has(Role.Api) ? [OpenApiController] : [])], providers: [RouteContractCheck] };
  }
}
