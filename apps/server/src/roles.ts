/**
 * Roles and the one dependency map of the server (Tempo's modules.go pattern): every role and
 * every shared piece of infrastructure is a node; `all` is just the node that depends on every
 * role. `resolveModules` expands the requested roles to everything they need.
 */
export const Role = { Intake: 'intake', Ingester: 'ingester', Api: 'api', Alerter: 'alerter', Collector: 'collector', All: 'all' } as const;
export type RoleName = (typeof Role)[keyof typeof Role];

export const Infra = { ControlPlane: 'control-plane', ClickHouse: 'clickhouse', Bus: 'bus' } as const;
export type InfraName = (typeof Infra)[keyof typeof Infra];

type ModuleName = RoleName | InfraName;

const DEPS: Record<ModuleName, readonly ModuleName[]> = {
  [Infra.ControlPlane]: [],
  [Infra.ClickHouse]: [],
  [Infra.Bus]: [],
  [Role.Intake]: [Infra.ControlPlane, Infra.Bus],
  [Role.Ingester]: [Infra.Bus, Infra.ClickHouse],
  [Role.Api]: [Infra.ControlPlane, Infra.ClickHouse],
  [Role.Alerter]: [Infra.ControlPlane, Infra.ClickHouse],
  // Polls databases and sends OTLP to an intake over HTTP like any other client: needs nothing local.
  [Role.Collector]: [],
  [Role.All]: [Role.Intake, Role.Ingester, Role.Api, Role.Alerter, Role.Collector],
};

const ROLE_NAMES = new Set<string>(Object.values(Role));

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
