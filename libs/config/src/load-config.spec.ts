import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults: embedded mode with two regions, standard OTLP ports', () => {
    const cfg = loadConfig({});
    expect(cfg.intake.httpPort).toBe(4318);
    expect(cfg.intake.grpcPort).toBe(4317);
    expect(cfg.bus.kind).toBe('inline');
    expect(cfg.regions.map((r) => r.id)).toEqual(['ap-northeast-1', 'ap-northeast-2']);
    expect(new Set(cfg.regions.map((r) => r.clickhouse.database)).size).toBe(2);
    expect(cfg.demo.enabled).toBe(true);
  });

  it('reads environment variables with types', () => {
    const cfg = loadConfig({ MERIDIAN_OTLP_HTTP_PORT: '14318', MERIDIAN_DEMO: '0', MERIDIAN_DATA_DIR: '/tmp/x' });
    expect(cfg.intake.httpPort).toBe(14318);
    expect(cfg.demo.enabled).toBe(false);
    expect(cfg.dataDir).toBe('/tmp/x');
  });

  it('names every bad variable in one error', () => {
    const problems = problemsOf(() =>
      loadConfig({ MERIDIAN_OTLP_HTTP_PORT: 'http', MERIDIAN_DEMO: 'maybe', DATABASE_URL: 'mysql://x' }),
    );
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/MERIDIAN_OTLP_HTTP_PORT \(intake\.httpPort\): expected a port number/);
    expect(problems.join('\n')).toMatch(/MERIDIAN_DEMO \(demo\.enabled\): expected 1\/0/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_DEFAULT_REGION: 'mars-1' }))[0]).toMatch(/"mars-1" is not a configured region \(ap-northeast-1, ap-northeast-2\)/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL \(controlPlane\.databaseUrl\): expected a postgres:\/\/ URL/);
  });

  it('merges a JSON config file under the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-cfg-'));
    const file = join(dir, 'meridian.json');
    writeFileSync(
      file,
      JSON.stringify({
        regions: [
          { id: 'eu-central-1', name: 'Frankfurt', location: 'Germany', clickhouse: { mode: 'http', url: 'http://ch-eu:8123', database: 'meridian_eu' } },
          { id: 'us-east-1', name: 'Virginia', location: 'USA', clickhouse: { mode: 'embedded', database: 'meridian_us' } },
        ],
        defaultRegion: 'eu-central-1',
        intake: { httpPort: 5318 },
      }),
    );
    const cfg = loadConfig({ MERIDIAN_CONFIG_FILE: file, MERIDIAN_OTLP_HTTP_PORT: '6318' });
    expect(cfg.regions.map((r) => r.id)).toEqual(['eu-central-1', 'us-east-1']);
    expect(cfg.regions[0].clickhouse).toMatchObject({ mode: 'http', url: 'http://ch-eu:8123' });
    expect(cfg.intake.httpPort).toBe(6318);
    expect(cfg.intake.grpcPort).toBe(4317);
  });

  it('rejects duplicate embedded databases, kafka without settings, unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-cfg-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        regions: [
          { id: 'r-one', name: 'A', location: 'A', clickhouse: { mode: 'embedded', database: 'same' } },
          { id: 'r-two', name: 'B', location: 'B', clickhouse: { mode: 'embedded', database: 'same' } },
        ],
        defaultRegion: 'r-one',
        bus: { kind: 'kafka' },
      }),
    );
    const problems = problemsOf(() => loadConfig({ MERIDIAN_CONFIG_FILE: file }));
    expect(problems.join('\n')).toMatch(/each needs its own clickhouse\.database/);
    expect(problems.join('\n')).toMatch(/region "r-one" has no kafka settings/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_CONFIG_FILE: join(dir, 'missing.json') }))[0]).toMatch(/cannot read/);
  });
});
