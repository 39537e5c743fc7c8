import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, configWarnings, loadConfig, type MeridianConfig } from '@meridian/config';
import { startServer } from './server';
import { deadLetterCommand } from './dead-letter-command';
import { createTenantCommand, LIMIT_FLAGS, tenantLimitsCommand } from './tenant-command';

const USAGE = `usage:
  meridian start [--roles=all|intake,ingester,api,alerter]   run the server (default: all roles)
  meridian tenant create --slug <slug> --name <name> --region <region-id>
                                                      create a tenant and print its ingest and API keys
  meridian tenant limits --slug <slug> [--spans-per-second <n>|default] [--data-points-per-second <n>|default]
                         [--log-records-per-second <n>|default] [--bytes-per-second <n>|default]
                                                      show a tenant's ingest limits; with flags, override them (audited)
  meridian regions                                    list the configured data regions
  meridian dead-letters list|replay --region <id> [--tenant <slug or id>] [--id <message id>] [--limit <n>]
                                                      show parked messages; publish (kafka) or insert (inline) them again
Configuration: environment variables (MERIDIAN_*, DATABASE_URL) and MERIDIAN_CONFIG_FILE; see README.md.`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      roles: { type: 'string', default: 'all' },
      slug: { type: 'string' },
      name: { type: 'string' },
      region: { type: 'string' },
      id: { type: 'string' },
      limit: { type: 'string' },
      tenant: { type: 'string' },
      'spans-per-second': { type: 'string' },
      'data-points-per-second': { type: 'string' },
      'log-records-per-second': { type: 'string' },
      'bytes-per-second': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const cfg = loadConfigOrExit();
  const [command = 'start', sub] = positionals;
  switch (command) {
    case 'start':
      for (const w of configWarnings(cfg)) console.warn(`warning: ${w}`);
      await startServer(cfg, values.roles ?? 'all');
      return;
    case 'tenant':
      if (sub === 'limits') {
        const flags = Object.fromEntries(
          Object.entries(LIMIT_FLAGS).map(([field, flag]) => [field, values[flag as keyof typeof values] as string | undefined]),
        );
        await tenantLimitsCommand(cfg, { slug: values.slug, flags });
        return;
      }
      if (sub !== 'create') throw new Error(`unknown tenant command "${sub ?? ''}"\n${USAGE}`);
      await createTenantCommand(cfg, { slug: values.slug, name: values.name, region: values.region });
      return;
    case 'dead-letters':
      await deadLetterCommand(cfg, sub, { region: values.region, id: values.id, limit: values.limit, tenant: values.tenant });
      return;
    case 'regions':
      for (const r of cfg.regions) console.log(`${r.id}\t${r.name}\t${r.location}${r.id === cfg.defaultRegion ? '\t(default)' : ''}`);
      return;
    default:
      throw new Error(`unknown command "${command}"\n${USAGE}`);
  }
}

function loadConfigOrExit(): MeridianConfig {
  try {
    return loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(`meridian: ${e.message}`);
  process.exit(1);
});
