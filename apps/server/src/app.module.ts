import { type DynamicModule, Module } from '@nestjs/common';
import type { MeridianConfig } from '@meridian/config';
import { IngesterModule } from '@meridian/ingester';
import { IntakeModule } from '@meridian/intake';
import { QueryApiModule } from '@meridian/query';
import { HealthController } from './health.controller';
import { InfrastructureModule } from './infrastructure.module';
import { Infra, type InfraName, resolveModules, Role, type RoleName } from './roles';

/** Composes the requested roles; each role module is built from its own config section. */
@Module({})
export class AppModule {
  static forRoot(cfg: MeridianConfig, roles: readonly RoleName[]): DynamicModule {
    const modules = resolveModules(roles);
    const infra = new Set([...modules].filter((m): m is InfraName => (Object.values(Infra) as string[]).includes(m)));
    const imports: DynamicModule['imports'] = [InfrastructureModule.forRoot(cfg, infra)];
    if (modules.has(Role.Intake)) {
      imports.push(IntakeModule.forRoot({ host: cfg.server.host, ...cfg.intake }));
    }
    if (modules.has(Role.Ingester)) {
      imports.push(IngesterModule.forRoot({ regions: cfg.regions.map((r) => r.id), ...cfg.ingester }));
    }
    if (modules.has(Role.Api)) imports.push(QueryApiModule);
    return { module: AppModule, imports, controllers: [HealthController] };
  }
}
