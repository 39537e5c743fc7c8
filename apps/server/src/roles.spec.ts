import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import { loadConfig } from '@meridian/config';
import { AppModule, ROLE_MODULES } from './app.module';
import { InfrastructureModule } from './infrastructure.module';
import { Infra, parseRoles, planRoles, resolveModules, Role, type RoleName } from './roles';

const cfg = loadConfig({ MERIDIAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'meridian-roles-')) });
const prepared = { secretsKey: Buffer.alloc(32, 1) };
const CONCRETE = Object.keys(ROLE_MODULES) as Array<keyof typeof ROLE_MODULES>;

/** The module classes an import list names (a dynamic module counts as its class). */
const classes = (imports: DynamicModule['imports']): unknown[] => (imports ?? []).map((m) => (m as DynamicModule).module ?? (m as Type));
const composed = (roles: string) => AppModule.forRoot(cfg, planRoles(cfg, roles), prepared);

describe('roles', () => {
  it('all expands to every role and every piece of infrastructure', () => {
    const m = resolveModules(parseRoles('all'));
    for (const r of [Role.Intake, Role.Ingester, Role.Api, Role.Alerter, Role.Collector, Infra.Bus, Infra.ClickHouse, Infra.ControlPlane, Infra.Secrets])
      expect(m.has(r)).toBe(true);
  });

  it('intake alone needs no ClickHouse; ingester alone needs no control plane; only api and alerter need the secrets key', () => {
    expect(resolveModules(parseRoles('intake')).has(Infra.ClickHouse)).toBe(false);
    expect(resolveModules(parseRoles('ingester')).has(Infra.ControlPlane)).toBe(false);
    expect([...resolveModules(parseRoles('collector'))]).toEqual([Role.Collector]);
    expect(Object.values(Role).filter((r) => r !== Role.All && resolveModules([r]).has(Infra.Secrets))).toEqual([Role.Api, Role.Alerter]);
  });

  it('rejects unknown roles naming the valid ones', () => {
    expect(() => parseRoles('intake,querier')).toThrow(/unknown role\(s\) querier; valid: intake, ingester, api, alerter, collector, all/);
    expect(() => parseRoles(' , ')).toThrow(/at least one/);
  });

  it('refuses intake without ingester (and the reverse) on the inline bus, not on a shared bus', () => {
    expect(() => planRoles(cfg, 'intake')).toThrow(/inline bus connects intake and ingester/);
    expect(() => planRoles(cfg, 'ingester,api')).toThrow(/inline bus/);
    expect(planRoles({ bus: { ...cfg.bus, kind: 'kafka' } }, 'intake').roles).toEqual([Role.Intake]);
  });
});

describe('module map', () => {
  it('maps every role but the composite `all` to Nest modules', () => {
    expect([...CONCRETE].sort()).toEqual(
      Object.values(Role)
        .filter((r): r is Exclude<RoleName, 'all'> => r !== Role.All)
        .sort(),
    );
    for (const role of CONCRETE) expect(ROLE_MODULES[role](cfg, prepared).imports.length).toBeGreaterThan(0);
  });

  it('`all` composes every role’s modules and routes, on top of the infrastructure once', () => {
    const all = composed('all');
    const imported = classes(all.imports);
    for (const role of CONCRETE) {
      const parts = ROLE_MODULES[role](cfg, prepared);
      for (const m of classes(parts.imports)) expect(imported).toContain(m);
      for (const c of parts.controllers ?? []) expect(all.controllers).toContain(c);
    }
    expect(imported.filter((m) => m === InfrastructureModule)).toHaveLength(1);
  });

  it('a role alone composes its own modules only', () => {
    const base = classes(composed('collector').imports).filter((m) => !classes(ROLE_MODULES.collector(cfg, prepared).imports).includes(m));
    expect(base).toContain(InfrastructureModule);
    for (const role of [Role.Api, Role.Alerter, Role.Collector] as const) {
      expect(classes(composed(role).imports)).toEqual([...base, ...classes(ROLE_MODULES[role](cfg, prepared).imports)]);
    }
  });

  it('names the missing secrets key instead of composing alerting without one', () => {
    expect(() => ROLE_MODULES.alerter(cfg, {})).toThrow(/secrets key/);
  });
});
