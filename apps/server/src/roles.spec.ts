import { Infra, parseRoles, resolveModules, Role } from './roles';

describe('roles', () => {
  it('all expands to every role and every piece of infrastructure', () => {
    const m = resolveModules(parseRoles('all'));
    for (const r of [Role.Intake, Role.Ingester, Role.Api, Role.Alerter, Role.Collector, Infra.Bus, Infra.ClickHouse, Infra.ControlPlane]) expect(m.has(r)).toBe(true);
  });

  it('intake alone needs no ClickHouse; ingester alone needs no control plane', () => {
    expect(resolveModules(parseRoles('intake')).has(Infra.ClickHouse)).toBe(false);
    expect(resolveModules(parseRoles('ingester')).has(Infra.ControlPlane)).toBe(false);
    expect([...resolveModules(parseRoles('collector'))]).toEqual([Role.Collector]);
  });

  it('rejects unknown roles naming the valid ones', () => {
    expect(() => parseRoles('intake,querier')).toThrow(/unknown role\(s\) querier; valid: intake, ingester, api, alerter, collector, all/);
    expect(() => parseRoles(' , ')).toThrow(/at least one/);
  });
});
