import type { MeridianConfig } from '@meridian/config';
import { secretsKey } from './alerting-options';
import { lockDataDir } from './data-dir-lock';
import { Infra, type InfraName, type RolePlan } from './roles';

/** What the start step prepared for the module map, so composing modules does no I/O. */
export interface Prepared {
  /** Present when a requested role needs Infra.Secrets. */
  readonly secretsKey?: Buffer;
}

/** Whether opening this infrastructure writes under the data directory (embedded ClickHouse, PGlite). */
export function embedsStorage(cfg: MeridianConfig, needs: ReadonlySet<InfraName>): boolean {
  return (
    (needs.has(Infra.ControlPlane) && !cfg.controlPlane.databaseUrl) ||
    (needs.has(Infra.ClickHouse) && cfg.regions.some((r) => r.clickhouse.mode === 'embedded'))
  );
}

/**
 * The start step, run before Nest builds any module: takes the data directory when the
 * configuration embeds storage, and reads or creates the secrets key when a role needs it.
 */
export function prepareStart(cfg: MeridianConfig, plan: RolePlan): Prepared {
  // A server holds the directory whenever its configuration embeds storage, whichever roles it runs.
  if (embedsStorage(cfg, new Set(Object.values(Infra)))) lockDataDir(cfg.dataDir, `meridian server, roles ${plan.roles.join(',')}`);
  return { secretsKey: plan.modules.has(Infra.Secrets) ? secretsKey(cfg) : undefined };
}
