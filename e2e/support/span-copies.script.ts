// Child process of the distributed-mode test: chdb opens one data path per process, so a stopped
// ingester's store is read here. Prints {"<trace id>": copies} for one region's spans as JSON.
import { ClickHouseClients } from '@meridian/storage-clickhouse';

async function main(): Promise<void> {
  const { dataDir, region, database } = JSON.parse(process.argv[2]) as { dataDir: string; region: string; database: string };
  const ch = new ClickHouseClients({ embeddedDataDir: dataDir, regions: [{ id: region, database, clickhouse: { mode: 'embedded' as const } }] });
  try {
    const store = ch.forRegion(region);
    const rs = await store.client.query({ query: `SELECT trace_id AS t, count() AS n FROM ${store.table('spans')} GROUP BY trace_id`, format: 'JSONEachRow' });
    const out: Record<string, number> = {};
    for (const row of await rs.json<{ t: string; n: string }>()) out[row.t] = Number(row.n);
    process.stdout.write(JSON.stringify(out));
  } finally {
    await ch.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
