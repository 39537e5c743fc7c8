// Child process of clients.spec.ts: chdb starts one engine per process, with the arguments of
// the first connection, so the engine's settings are read from a process that opens it fresh.
// Prints the server settings the engine reports, as JSON {name: value}.
import { ClickHouseClients, type EmbeddedEngineOptions } from './clients';

async function main(): Promise<void> {
  const { dataDir, engine } = JSON.parse(process.argv[2]) as { dataDir: string; engine?: EmbeddedEngineOptions };
  const ch = new ClickHouseClients({
    embeddedDataDir: dataDir,
    embeddedEngine: engine,
    regions: [{ id: 'r', database: 'r', clickhouse: { mode: 'embedded' } }],
  });
  try {
    const rs = await ch.forRegion('r').client.query({
      query: `SELECT name, value FROM system.server_settings
              WHERE name IN ('max_server_memory_usage', 'merges_mutations_memory_usage_soft_limit', 'mark_cache_size', 'primary_index_cache_size', 'index_mark_cache_size')`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ name: string; value: string }>();
    process.stdout.write(JSON.stringify(Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]))));
  } finally {
    await ch.close();
  }
}

main().catch((e) => {
  process.stderr.write(String((e as Error).stack ?? e));
  process.exit(1);
});
