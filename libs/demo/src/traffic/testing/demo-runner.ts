// Test harness: runs the demo generator in a plain Node process (`node scripts/run-ts.js
// libs/demo/src/traffic/testing/demo-runner.ts '<command json>'`) and prints one `RESULT <json>`
// line. The specs need it because the OTLP/HTTP exporters load `http` through a dynamic import(),
// which Jest's module sandbox cannot run without `node --experimental-vm-modules`; out here the
// real exporters run exactly as they do under `npm start`.

import { emitDemoBurst, startDemoTraffic, type DemoTrafficOptions, type DemoTrafficStats } from '../demo-traffic';

export type RunnerCommand =
  | { mode: 'bursts'; bursts: Array<Omit<DemoTrafficOptions, 'log'> & { transactions: number; seed?: number }> }
  | {
      mode: 'live';
      options: Omit<DemoTrafficOptions, 'log'>;
      /** stop after `ms`, or as soon as `exportErrors` failures were counted; fail after `timeoutMs` */
      until: { ms?: number; exportErrors?: number; timeoutMs: number };
    };

export interface LiveResult {
  beforeStop: DemoTrafficStats;
  afterStop: DemoTrafficStats;
  stopMs: number;
  messages: string[];
}

async function run(command: RunnerCommand): Promise<unknown> {
  const messages: string[] = [];
  const log = (msg: string): void => void messages.push(msg);
  if (command.mode === 'bursts') {
    const results = [];
    for (const burst of command.bursts) results.push({ ...(await emitDemoBurst({ ...burst, log })), messages: messages.splice(0) });
    return results;
  }
  const traffic = startDemoTraffic({ ...command.options, log });
  const { ms, exportErrors, timeoutMs } = command.until;
  const startedAt = Date.now();
  for (;;) {
    const elapsed = Date.now() - startedAt;
    if (ms !== undefined && elapsed >= ms) break;
    if (exportErrors !== undefined && traffic.stats().exportErrors >= exportErrors) break;
    if (elapsed > timeoutMs) throw new Error(`live run: condition not met within ${timeoutMs} ms (stats ${JSON.stringify(traffic.stats())})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const beforeStop = traffic.stats();
  const stopStartedAt = Date.now();
  await Promise.all([traffic.stop(), traffic.stop()]);
  const result: LiveResult = { beforeStop, afterStop: traffic.stats(), stopMs: Date.now() - stopStartedAt, messages };
  return result;
}

run(JSON.parse(process.argv[2] ?? '{}') as RunnerCommand).then(
  (result) => console.log(`RESULT ${JSON.stringify(result)}`),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exitCode = 1;
  },
);
