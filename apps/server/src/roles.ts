import type { MeridianConfig } from '@meridian/config';

/**
 * Roles and the one dependency map of the server (Tempo's modules.go pattern): every role and
 * every shared piece of infrastructure is a node; `all` is just the node that depends on every
 * role. `resolveModules` expands the requested roles to everything they need; the module map in
 * app.module.ts says which Nest modules each role runs.
 */
export const Role = { Intake: 'intake', Ingester: 'ingester', Api: 'api', Alerter: 'alerter', Collector: 'collector', All: 'all' } as const;
export type RoleName = (typeof Role)[keyof typeof Role];

/** Built by InfrastructureModule, except the secrets key, which the start step (bootstrap.ts) reads or creates. */
export const Infra = { ControlPlane: 'control-plane', ClickHouse: 'clickhouse', Bus: 'bus', Secrets: 'secrets' } as const;
export type InfraName = (typeof Infra)[keyof typeof Infra];

export type ModuleName = RoleName | InfraName;

const DEPS: Record<ModuleName, readonly ModuleName[]> = {
  [Infra.ControlPlane]: [],
  [Infra.ClickHouse]: [],
  [Infra.Bus]: [],
  [Infra.Secrets]: [],
  [Role.Intake]: [Infra.ControlPlane, Infra.Bus],
  [Role.Ingester]: [Infra.Bus, Infra.ClickHouse],
  // Both open channel secrets sealed with the key.
  [Role.Api]: [Infra.ControlPlane, Infra.ClickHouse, Infra.Secrets],
  [Role.Alerter]: [Infra.ControlPlane, Infra.ClickHouse, Infra.Secrets],
  // Polls databases and sends OTLP to an intake over HTTP like any other client: needs nothing local.
  [Role.Collector]: [],
  [Role.All]: [Role.Intake, Role.Ingester, Role.Api, Role.Alerter, Role.Collector],
};

const ROLE_NAMES = new Set<string>(Object.values(Role));
const INFRA_NAMES = new Set<string>(Object.values(Infra));

/** Parses `--roles=a,b` text; throws naming the valid roles. */
export function parseRoles(text: string): RoleName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error(`--roles: give at least one of ${[...ROLE_NAMES].join(', ')}`);
  const bad = names.filter((n) => !ROLE_NAMES.has(n));
  if (bad.length) throw new Error(`--roles: unknown role(s) ${bad.join(', ')}; valid: ${[...ROLE_NAMES].join(', ')}`);
  return names as RoleName[];
}

/** Everything the requested roles need, transitively. */
export function resolveModules(roles: readonly RoleName[]): Set<ModuleName> {
  const out = new Set<ModuleName>();
  const visit = (m: ModuleName) => {
    if (out.has(m)) return;
    out.add(m);
    DEPS[m].forEach(visit);
  };
  roles.forEach(visit);
  return out;
}

/** The roles one process runs, as asked for, and every node of the map they need. */
export interface RolePlan {
  readonly roles: readonly RoleName[];
  readonly modules: ReadonlySet<ModuleName>;
}

/** Parses and resolves `--roles`, and refuses role sets the configuration cannot run. */
export function planRoles(cfg: Pick<MeridianConfig, 'bus'>, rolesText: string): RolePlan {
  const roles = parseRoles(rolesText);
  const modules = resolveModules(roles);
  if (cfg.bus.kind === 'inline' && modules.has(Role.Intake) !== modules.has(Role.Ingester)) {
    throw new Error('the inline bus connects intake and ingester inside one process: run both roles together, or use a shared bus (MERIDIAN_BUS=kafka)');
  }
  return { roles, modules };
}

/** The infrastructure nodes among resolved modules. */
export function infraOf(modules: Iterable<ModuleName>): Set<InfraName> {
  return new Set([...modules].filter((m): m is InfraName => INFRA_NAMES.has(m)));
}
