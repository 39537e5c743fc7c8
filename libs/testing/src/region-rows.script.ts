// Child process of countSpansByRegion: chdb opens one data path per process, so the looking is
// done here rather than in the test worker. Prints {"<region>": {"<tenantId>": n}} as JSON.
import { ClickHouseClients } from '@meridian/storage-clickhouse';

async function main(): Promise<void> {
  const { dataDir, regions, tenantIds } = JSON.parse(process.argv[2]) as {
    dataDir: string;
    regions: Array<{ id: string; database: string }>;
    tenantIds: string[];
  };
  const ch = new ClickHouseClients({ embeddedDataDir: dataDir, regions: regions.map((r) => ({ ...r, clickhouse: { mode: 'embedded' as const } })) });
  const out: Record<string, Record<string, number>> = {};
  try {
    for (const r of regions) {
      const store = ch.forRegion(r.id);
      out[r.id] = {};
      for (const t of tenantIds) {
        const rs = await store.client.query({
          query: `SELECT count() AS n FROM ${store.table('spans')} WHERE tenant_id = {t:String}`,
          query_params: { t },
          format: 'JSONEachRow',
        });
        out[r.id][t] = Number((await rs.json<{ n: string }>())[0].n);
      }
    }
  } finally {
    await ch.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
