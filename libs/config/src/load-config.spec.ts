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

  it('collector: targets from MERIDIAN_COLLECTOR_TARGETS or the file; a bad URL names the variable, never the password', () => {
    expect(loadConfig({}).collector).toEqual({ intervalMs: 5000, targets: [] });
    const cfg = loadConfig({
      MERIDIAN_COLLECTOR_TARGETS: 'postgres://mon:pw@db1:5432/app, mysql://mon:pw@db2:3306/shop',
      MERIDIAN_COLLECTOR_INGEST_KEY: 'mrd_ik_x',
      MERIDIAN_COLLECTOR_OTLP_URL: 'http://intake:4318',
      MERIDIAN_COLLECTOR_INTERVAL_MS: '10000',
    });
    expect(cfg.collector).toEqual({
      otlpUrl: 'http://intake:4318',
      ingestKey: 'mrd_ik_x',
      intervalMs: 10000,
      targets: [{ url: 'postgres://mon:pw@db1:5432/app' }, { url: 'mysql://mon:pw@db2:3306/shop' }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'meridian-cfg-'));
    const file = join(dir, 'collector.json');
    writeFileSync(file, JSON.stringify({ collector: { targets: [{ url: 'postgres://db1/app', name: 'orders', cluster: 'orders-ha' }] } }));
    expect(loadConfig({ MERIDIAN_CONFIG_FILE: file }).collector.targets).toEqual([{ url: 'postgres://db1/app', name: 'orders', cluster: 'orders-ha' }]);
    const problems = problemsOf(() => loadConfig({ MERIDIAN_COLLECTOR_TARGETS: 'redis://u:hunter2@cache:6379', MERIDIAN_COLLECTOR_INTERVAL_MS: '10' }));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/MERIDIAN_COLLECTOR_TARGETS \(collector\.targets\.0\.url\): expected postgres:\/\//);
    expect(problems.join('\n')).toMatch(/MERIDIAN_COLLECTOR_INTERVAL_MS \(collector\.intervalMs\): expected at least 1000 ms/);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('kafka: MERIDIAN_KAFKA_BROKERS gives every region a Kafka with its own topic prefix; client settings from the environment', () => {
    const cfg = loadConfig({ MERIDIAN_BUS: 'kafka', MERIDIAN_KAFKA_BROKERS: 'k1:9092, k2:9092', MERIDIAN_KAFKA_IDEMPOTENT: 'off', MERIDIAN_KAFKA_SESSION_TIMEOUT_MS: '3000', MERIDIAN_KAFKA_HEARTBEAT_INTERVAL_MS: '300' });
    expect(cfg.bus.kind).toBe('kafka');
    expect(cfg.regions.map((r) => r.bus.kafka)).toEqual([
      { brokers: ['k1:9092', 'k2:9092'], topicPrefix: 'meridian.ap-northeast-1.' },
      { brokers: ['k1:9092', 'k2:9092'], topicPrefix: 'meridian.ap-northeast-2.' },
    ]);
    expect(cfg.bus.kafka).toMatchObject({ idempotent: false, sessionTimeoutMs: 3000, heartbeatIntervalMs: 300, compression: 'gzip', maxInFlightRequests: 5 });
    expect(loadConfig({}).bus.kafka.idempotent).toBe(true);
  });

  it('kafka: names bad broker addresses and a heartbeat not below the session timeout', () => {
    expect(problemsOf(() => loadConfig({ MERIDIAN_BUS: 'kafka', MERIDIAN_KAFKA_BROKERS: 'no-port' })).join('\n')).toMatch(
      /MERIDIAN_KAFKA_BROKERS \(regions\.0\.bus\.kafka\.brokers\.0\): expected "host:port"/,
    );
    const problems = problemsOf(() => loadConfig({ MERIDIAN_BUS: 'kafka', MERIDIAN_KAFKA_BROKERS: 'k:1', MERIDIAN_KAFKA_HEARTBEAT_INTERVAL_MS: '40000' }));
    expect(problems.join('\n')).toMatch(/bus\.kafka\.heartbeatIntervalMs.*must be below bus\.kafka\.sessionTimeoutMs/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_BUS: 'kafka' })).join('\n')).toMatch(/region "ap-northeast-1" has no kafka settings/);
  });

  it('alerting: interval, allow-list and secrets key from the environment; a bad key is named, never echoed', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const cfg = loadConfig({ MERIDIAN_ALERT_INTERVAL_MS: '500', MERIDIAN_ALERT_ALLOW_TARGETS: '127.0.0.1, hooks.internal', MERIDIAN_SECRETS_KEY: key });
    expect(cfg.alerting).toMatchObject({ evaluationIntervalMs: 500, allowTargets: ['127.0.0.1', 'hooks.internal'], secretsKey: key });
    expect(loadConfig({}).alerting).toEqual({ evaluationIntervalMs: 30_000, retryInitialMs: 2_000, maxAttempts: 6, allowTargets: [], maxRulesPerTenant: 500, evaluationConcurrency: 16, tenantEvaluationConcurrency: 4 });
    const problems = problemsOf(() => loadConfig({ MERIDIAN_SECRETS_KEY: 'c2hvcnQta2V5LXZhbHVl' })).join('\n');
    expect(problems).toMatch(/MERIDIAN_SECRETS_KEY \(alerting\.secretsKey\): expected base64 of 32 random bytes/);
    expect(problems).not.toContain('c2hvcnQta2V5LXZhbHVl');
  });

  it('alerting fairness and the metrics token: from the environment, a per-tenant concurrency above the total is named', () => {
    const cfg = loadConfig({ MERIDIAN_ALERT_MAX_RULES_PER_TENANT: '50', MERIDIAN_ALERT_CONCURRENCY: '8', MERIDIAN_ALERT_TENANT_CONCURRENCY: '2', MERIDIAN_METRICS_TOKEN: 'a-metrics-token-of-32-characters' });
    expect(cfg.alerting).toMatchObject({ maxRulesPerTenant: 50, evaluationConcurrency: 8, tenantEvaluationConcurrency: 2 });
    expect(cfg.server.metricsToken).toBe('a-metrics-token-of-32-characters');
    expect(loadConfig({}).server.metricsToken).toBeUndefined();
    expect(problemsOf(() => loadConfig({ MERIDIAN_ALERT_CONCURRENCY: '4', MERIDIAN_ALERT_TENANT_CONCURRENCY: '8' })).join('\n')).toMatch(/alerting\.tenantEvaluationConcurrency.*must be ≤ alerting\.evaluationConcurrency/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_ALERT_MAX_RULES_PER_TENANT: '0' })).join('\n')).toMatch(/MERIDIAN_ALERT_MAX_RULES_PER_TENANT \(alerting\.maxRulesPerTenant\): expected a positive integer/);
    const short = problemsOf(() => loadConfig({ MERIDIAN_METRICS_TOKEN: 'short' })).join('\n');
    expect(short).toMatch(/MERIDIAN_METRICS_TOKEN \(server\.metricsToken\): expected at least 16 characters/);
  });

  it('intake request limits and in-flight budget: from the environment, validated, the budget share must fit a largest body', () => {
    expect(loadConfig({}).intake).toMatchObject({
      requestLimits: { maxItems: 100_000, maxContainers: 10_000, maxKeyValues: 2_000_000, maxObjects: 4_000_000, maxValueDepth: 32 },
      inflightBytes: 256 * 1024 * 1024,
      tenantInflightShare: 0.5,
    });
    const cfg = loadConfig({ MERIDIAN_MAX_ITEMS_PER_REQUEST: '500', MERIDIAN_MAX_CONTAINERS_PER_REQUEST: '50', MERIDIAN_MAX_VALUE_DEPTH: '8', MERIDIAN_INTAKE_TENANT_INFLIGHT_SHARE: '1' });
    expect(cfg.intake).toMatchObject({ requestLimits: { maxItems: 500, maxContainers: 50, maxValueDepth: 8 }, tenantInflightShare: 1 });
    const problems = problemsOf(() => loadConfig({ MERIDIAN_MAX_VALUE_DEPTH: '100', MERIDIAN_INTAKE_TENANT_INFLIGHT_SHARE: '0', MERIDIAN_MAX_OBJECTS_PER_REQUEST: 'many' })).join('\n');
    expect(problems).toMatch(/MERIDIAN_MAX_VALUE_DEPTH \(intake\.requestLimits\.maxValueDepth\): expected at most 32/);
    expect(problems).toMatch(/MERIDIAN_INTAKE_TENANT_INFLIGHT_SHARE \(intake\.tenantInflightShare\): expected a fraction above 0/);
    expect(problems).toMatch(/MERIDIAN_MAX_OBJECTS_PER_REQUEST \(intake\.requestLimits\.maxObjects\): expected a positive integer/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_INTAKE_INFLIGHT_BYTES: String(64 * 1024 * 1024) })).join('\n')).toMatch(/intake\.inflightBytes.*tenantInflightShare must be ≥ intake\.maxBodyBytes/);
  });
});
