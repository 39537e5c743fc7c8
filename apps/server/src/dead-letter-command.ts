import { BUS, type Bus, type DeadLetterEntry } from '@meridian/bus';
import type { MeridianConfig } from '@meridian/config';
import { ControlPlaneDb, TenantRepository } from '@meridian/control-plane';
import type { RowBatchMessage } from '@meridian/domain';
import { dedupToken } from '@meridian/ingester';
import { RowWriter } from '@meridian/storage-clickhouse';
import { withInfrastructure } from './command-infrastructure';
import { Infra } from './roles';

export interface DeadLetterArgs {
  region?: string;
  limit?: string;
  id?: string;
  /** Tenant slug or id: list/replay only its dead letters. */
  tenant?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tenant id as given, or the id of the tenant with that slug (from the control plane). */
async function resolveTenantId(cfg: MeridianConfig, tenant: string): Promise<string> {
  if (UUID.test(tenant)) return tenant;
  return withInfrastructure(cfg, [Infra.ControlPlane], 'meridian dead-letters', async (infra) => {
    const found = await new TenantRepository(infra.get(ControlPlaneDb)).findBySlug(tenant);
    if (!found) throw new Error(`--tenant: no tenant with slug "${tenant}" (give its slug or its id)`);
    return found.id;
  });
}

/**
 * `meridian dead-letters list|replay --region <id>`: shows parked messages (when, why, which
 * tenant and table, how many rows) and replays them once the cause is fixed.
 *
 * Replay keeps each message's id. With the kafka bus it publishes the message to the region's
 * topic again, where the ingesters store it like any other; with the inline bus (no shared queue
 * to publish to) it inserts straight into the region's ClickHouse with the message's own
 * deduplication token, so the server must be stopped when ClickHouse is embedded. Replayed ids
 * are recorded in the dead-letter store; `replay` skips them unless named with --id.
 * `--tenant <slug or id>` limits both to one tenant (inline: only its files are read).
 */
export async function deadLetterCommand(cfg: MeridianConfig, sub: string | undefined, args: DeadLetterArgs): Promise<void> {
  if (sub !== 'list' && sub !== 'replay') {
    throw new Error(
      'dead-letters: use "dead-letters list --region <id> [--tenant <slug or id>]" or "dead-letters replay --region <id> [--tenant <slug or id>] [--id <message id>]"',
    );
  }
  const region = args.region ?? cfg.defaultRegion;
  if (!cfg.regions.some((r) => r.id === region))
    throw new Error(`--region: "${region}" is not a configured region (${cfg.regions.map((r) => r.id).join(', ')})`);
  const limit = args.limit === undefined ? undefined : Number(args.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) throw new Error('--limit: expected a positive integer');

  const tenantId = args.tenant === undefined ? undefined : await resolveTenantId(cfg, args.tenant);
  await withInfrastructure(cfg, [Infra.Bus], 'meridian dead-letters', async (infra) => {
    const bus = infra.get<Bus>(BUS);
    const entries = await bus.listDeadLetters(region, { limit: sub === 'list' ? limit : undefined, tenantId });
    if (sub === 'list') return printList(region, entries);
    const chosen = args.id ? entries.filter((e) => e.id === args.id) : entries.filter((e) => !e.replayedAt);
    if (args.id && chosen.length === 0) throw new Error(`--id: no dead letter with id "${args.id}" in region ${region}`);
    const todo = limit === undefined ? chosen : chosen.slice(0, limit);
    if (todo.length === 0) return void console.log(`region ${region}: nothing to replay (${entries.length} dead letters, all replayed)`);
    const replayed = cfg.bus.kind === 'kafka' ? await replayThroughBus(bus, todo) : await replayIntoClickHouse(cfg, region, todo);
    await bus.markReplayed(region, replayed);
    console.log(
      `region ${region}: replayed ${replayed.length} of ${todo.length} dead letters${cfg.bus.kind === 'kafka' ? ' (published to the ingest topics)' : ' (inserted into ClickHouse)'}`,
    );
    if (replayed.length < todo.length) process.exitCode = 1;
  });
}

function printList(region: string, entries: DeadLetterEntry[]): void {
  if (entries.length === 0) return void console.log(`region ${region}: no dead letters`);
  console.log(['parked at', 'id', 'tenant', 'table', 'rows', 'replayed', 'position', 'reason'].join('\t'));
  for (const e of entries) {
    console.log([e.at, e.id, e.tenantId, e.table, e.rowCount, e.replayedAt ?? '-', e.position, e.reason.replace(/\s+/g, ' ').slice(0, 200)].join('\t'));
  }
  const open = entries.filter((e) => !e.replayedAt).length;
  console.log(`region ${region}: ${entries.length} dead letters, ${open} not replayed`);
}

function toMessage(e: DeadLetterEntry): RowBatchMessage {
  return { id: e.id, tenantId: e.tenantId, region: e.region, table: e.table, rowCount: e.rowCount, body: e.body, key: e.key, format: e.format };
}

async function replayThroughBus(bus: Bus, entries: DeadLetterEntry[]): Promise<string[]> {
  const done: string[] = [];
  for (const e of entries) {
    await bus.publish([toMessage(e)]);
    done.push(e.id);
  }
  return done;
}

async function replayIntoClickHouse(cfg: MeridianConfig, regionId: string, entries: DeadLetterEntry[]): Promise<string[]> {
  // Only the replayed region's ClickHouse is opened (and migrated).
  const regionOnly = { ...cfg, regions: cfg.regions.filter((r) => r.id === regionId) };
  return withInfrastructure(regionOnly, [Infra.ClickHouse], 'meridian dead-letters replay', async (infra) => {
    const writer = infra.get(RowWriter);
    const done: string[] = [];
    for (const e of entries) {
      const m = toMessage(e);
      try {
        await writer.insert(regionId, m.table, m.body, dedupToken([m]), m.format);
        done.push(e.id);
      } catch (err) {
        console.error(`dead letter ${e.id} still cannot be stored: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    return done;
  });
}
