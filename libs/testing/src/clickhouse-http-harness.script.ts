// The ClickHouse HTTP test harness as a process of its own (chdb allows one data path per
// process, so the harness never shares a process with a test worker or a server under test).
// argv[2]: JSON ClickHouseHttpHarnessOptions. Prints one line `clickhouse-http-harness listening on <url>`,
// stops on SIGTERM/SIGINT and when its parent goes away (stdin closes).
import { serveClickHouseHttpHarness, type ClickHouseHttpHarnessOptions } from './clickhouse-http-harness';

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as ClickHouseHttpHarnessOptions;
  if (!opts.dataDir) throw new Error('dataDir is required: pass {"dataDir": "/path"} as the first argument');
  const harness = await serveClickHouseHttpHarness(opts);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void harness.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.stdout.write(`clickhouse-http-harness listening on ${harness.url}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
