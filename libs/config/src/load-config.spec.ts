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
    const problems = problemsOf(() => loadConfig({ MERIDIAN_OTLP_HTTP_PORT: 'http', MERIDIAN_DEMO: 'maybe', DATABASE_URL: 'mysql://x' }));
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/MERIDIAN_OTLP_HTTP_PORT \(intake\.httpPort\): expected a port number/);
    expect(problems.join('\n')).toMatch(/MERIDIAN_DEMO \(demo\.enabled\): expected 1\/0/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_DEFAULT_REGION: 'mars-1' }))[0]).toMatch(
      /"mars-1" is not a configured region \(ap-northeast-1, ap-northeast-2\)/,
    );
    expect(problems.join('\n')).toMatch(/DATABASE_URL \(controlPlane\.databaseUrl\): expected a postgres:\/\/ URL/);
  });

  it('reads MERIDIAN_TRUST_PROXY as off, a hop count or a list of proxy CIDRs, and names it when wrong', () => {
    expect(loadConfig({}).server.trustProxy).toBe(false);
    expect(loadConfig({ MERIDIAN_TRUST_PROXY: '0' }).server.trustProxy).toBe(false);
    expect(loadConfig({ MERIDIAN_TRUST_PROXY: '1' }).server.trustProxy).toBe(1);
    expect(loadConfig({ MERIDIAN_TRUST_PROXY: '10.0.0.0/8, fd00::/8,loopback' }).server.trustProxy).toEqual(['10.0.0.0/8', 'fd00::/8', 'loopback']);
    for (const bad of ['10.0.0.0/33', 'proxy.local', '-1']) {
      expect(problemsOf(() => loadConfig({ MERIDIAN_TRUST_PROXY: bad })).join('\n')).toMatch(/MERIDIAN_TRUST_PROXY/);
    }
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
    expect(loadConfig({}).collector).toEqual({ intervalMs: 5000, targets: [], host: { enabled: true, intervalMs: 10000, topProcesses: 50 } });
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
      host: { enabled: true, intervalMs: 10000, topProcesses: 50 },
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

  it('collector.host: on by default; MERIDIAN_COLLECTOR_HOST* turn it off and bound it; bad values name the variable', () => {
    expect(
      loadConfig({ MERIDIAN_COLLECTOR_HOST: 'off', MERIDIAN_COLLECTOR_HOST_INTERVAL_MS: '30000', MERIDIAN_COLLECTOR_HOST_PROCESSES: '10' }).collector.host,
    ).toEqual({
      enabled: false,
      intervalMs: 30000,
      topProcesses: 10,
    });
    const problems = problemsOf(() =>
      loadConfig({ MERIDIAN_COLLECTOR_HOST: 'maybe', MERIDIAN_COLLECTOR_HOST_INTERVAL_MS: '500', MERIDIAN_COLLECTOR_HOST_PROCESSES: '5000' }),
    ).join('\n');
    expect(problems).toMatch(/MERIDIAN_COLLECTOR_HOST \(collector\.host\.enabled\): expected 1\/0/);
    expect(problems).toMatch(/MERIDIAN_COLLECTOR_HOST_INTERVAL_MS \(collector\.host\.intervalMs\): expected at least 1000 ms/);
    expect(problems).toMatch(/MERIDIAN_COLLECTOR_HOST_PROCESSES \(collector\.host\.topProcesses\): expected at most 500 processes/);
  });

  it('kafka: MERIDIAN_KAFKA_BROKERS gives every region a Kafka with its own topic prefix; client settings from the environment', () => {
    const cfg = loadConfig({
      MERIDIAN_BUS: 'kafka',
      MERIDIAN_KAFKA_BROKERS: 'k1:9092, k2:9092',
      MERIDIAN_KAFKA_IDEMPOTENT: 'off',
      MERIDIAN_KAFKA_SESSION_TIMEOUT_MS: '3000',
      MERIDIAN_KAFKA_HEARTBEAT_INTERVAL_MS: '300',
    });
    expect(cfg.bus.kind).toBe('kafka');
    expect(cfg.regions.map((r) => r.bus.kafka)).toEqual([
      { brokers: ['k1:9092', 'k2:9092'], topicPrefix: 'meridian.ap-northeast-1.' },
      { brokers: ['k1:9092', 'k2:9092'], topicPrefix: 'meridian.ap-northeast-2.' },
    ]);
    expect(cfg.bus.kafka).toMatchObject({ idempotent: false, sessionTimeoutMs: 3000, heartbeatIntervalMs: 300, compression: 'lz4', maxInFlightRequests: 5 });
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
    expect(loadConfig({}).alerting).toEqual({
      evaluationIntervalMs: 30_000,
      retryInitialMs: 2_000,
      maxAttempts: 6,
      allowTargets: [],
      maxRulesPerTenant: 500,
      evaluationConcurrency: 16,
      tenantEvaluationConcurrency: 4,
    });
    const problems = problemsOf(() => loadConfig({ MERIDIAN_SECRETS_KEY: 'c2hvcnQta2V5LXZhbHVl' })).join('\n');
    expect(problems).toMatch(/MERIDIAN_SECRETS_KEY \(alerting\.secretsKey\): expected base64 of 32 random bytes/);
    expect(problems).not.toContain('c2hvcnQta2V5LXZhbHVl');
  });

  it('alerting fairness and the metrics token: from the environment, a per-tenant concurrency above the total is named', () => {
    const cfg = loadConfig({
      MERIDIAN_ALERT_MAX_RULES_PER_TENANT: '50',
      MERIDIAN_ALERT_CONCURRENCY: '8',
      MERIDIAN_ALERT_TENANT_CONCURRENCY: '2',
      MERIDIAN_METRICS_TOKEN: 'a-metrics-token-of-32-characters',
    });
    expect(cfg.alerting).toMatchObject({ maxRulesPerTenant: 50, evaluationConcurrency: 8, tenantEvaluationConcurrency: 2 });
    expect(cfg.server.metricsToken).toBe('a-metrics-token-of-32-characters');
    expect(loadConfig({}).server.metricsToken).toBeUndefined();
    expect(problemsOf(() => loadConfig({ MERIDIAN_ALERT_CONCURRENCY: '4', MERIDIAN_ALERT_TENANT_CONCURRENCY: '8' })).join('\n')).toMatch(
      /alerting\.tenantEvaluationConcurrency.*must be ≤ alerting\.evaluationConcurrency/,
    );
    expect(problemsOf(() => loadConfig({ MERIDIAN_ALERT_MAX_RULES_PER_TENANT: '0' })).join('\n')).toMatch(
      /MERIDIAN_ALERT_MAX_RULES_PER_TENANT \(alerting\.maxRulesPerTenant\): expected a positive integer/,
    );
    const short = problemsOf(() => loadConfig({ MERIDIAN_METRICS_TOKEN: 'short' })).join('\n');
    expect(short).toMatch(/MERIDIAN_METRICS_TOKEN \(server\.metricsToken\): expected at least 16 characters/);
  });

  it('intake request limits and in-flight budget: from the environment, validated, the budget share must fit a largest body', () => {
    expect(loadConfig({}).intake).toMatchObject({
      requestLimits: { maxItems: 100_000, maxContainers: 10_000, maxKeyValues: 2_000_000, maxObjects: 4_000_000, maxValueDepth: 32 },
      inflightBytes: 256 * 1024 * 1024,
      tenantInflightShare: 0.5,
    });
    const cfg = loadConfig({
      MERIDIAN_MAX_ITEMS_PER_REQUEST: '500',
      MERIDIAN_MAX_CONTAINERS_PER_REQUEST: '50',
      MERIDIAN_MAX_VALUE_DEPTH: '8',
      MERIDIAN_INTAKE_TENANT_INFLIGHT_SHARE: '1',
    });
    expect(cfg.intake).toMatchObject({ requestLimits: { maxItems: 500, maxContainers: 50, maxValueDepth: 8 }, tenantInflightShare: 1 });
    const problems = problemsOf(() =>
      loadConfig({ MERIDIAN_MAX_VALUE_DEPTH: '100', MERIDIAN_INTAKE_TENANT_INFLIGHT_SHARE: '0', MERIDIAN_MAX_OBJECTS_PER_REQUEST: 'many' }),
    ).join('\n');
    expect(problems).toMatch(/MERIDIAN_MAX_VALUE_DEPTH \(intake\.requestLimits\.maxValueDepth\): expected at most 32/);
    expect(problems).toMatch(/MERIDIAN_INTAKE_TENANT_INFLIGHT_SHARE \(intake\.tenantInflightShare\): expected a fraction above 0/);
    expect(problems).toMatch(/MERIDIAN_MAX_OBJECTS_PER_REQUEST \(intake\.requestLimits\.maxObjects\): expected a positive integer/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_INTAKE_INFLIGHT_BYTES: String(64 * 1024 * 1024) })).join('\n')).toMatch(
      /intake\.inflightBytes.*tenantInflightShare must be ≥ intake\.maxBodyBytes/,
    );
  });
});

describe('bus.wal and bus.deadLetters', () => {
  it('the write-ahead log is on by default, fsync always; env vars set every value', () => {
    expect(loadConfig({}).bus.wal).toMatchObject({ enabled: true, fsync: 'always' });
    const cfg = loadConfig({
      MERIDIAN_BUS_WAL: '0',
      MERIDIAN_BUS_WAL_MAX_BYTES: '1000000',
      MERIDIAN_BUS_WAL_SEGMENT_BYTES: '100000',
      MERIDIAN_BUS_WAL_FSYNC: 'off',
      MERIDIAN_BUS_WAL_GROUP_COMMIT_MS: '2',
      MERIDIAN_DEAD_LETTER_TENANT_MAX_BYTES: '100000',
      MERIDIAN_DEAD_LETTER_MAX_BYTES: '1000000',
      MERIDIAN_DEAD_LETTER_TENANT_BYTES_PER_HOUR: '5000',
    });
    expect(cfg.bus.wal).toEqual({ enabled: false, maxBytes: 1_000_000, segmentBytes: 100_000, fsync: 'off', groupCommitMs: 2 });
    expect(cfg.bus.deadLetters).toEqual({ maxBytesPerTenant: 100_000, maxBytesTotal: 1_000_000, kafkaTenantBytesPerHour: 5000 });
  });

  it('names the variable and the fix for bad values', () => {
    const problems = problemsOf(() => loadConfig({ MERIDIAN_BUS_WAL: 'maybe', MERIDIAN_BUS_WAL_FSYNC: 'sometimes' })).join('\n');
    expect(problems).toMatch(/MERIDIAN_BUS_WAL \(bus\.wal\.enabled\): expected 1\/0/);
    expect(problems).toMatch(/MERIDIAN_BUS_WAL_FSYNC \(bus\.wal\.fsync\)/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_BUS_WAL_MAX_BYTES: '100000', MERIDIAN_BUS_WAL_SEGMENT_BYTES: '80000' })).join('\n')).toMatch(
      /MERIDIAN_BUS_WAL_SEGMENT_BYTES \(bus\.wal\.segmentBytes\): expected bus\.wal\.segmentBytes at most half of bus\.wal\.maxBytes/,
    );
    expect(problemsOf(() => loadConfig({ MERIDIAN_DEAD_LETTER_TENANT_MAX_BYTES: '2000000000', MERIDIAN_DEAD_LETTER_MAX_BYTES: '1000000' })).join('\n')).toMatch(
      /bus\.deadLetters\.maxBytesPerTenant at most bus\.deadLetters\.maxBytesTotal/,
    );
  });
});

describe('intake.limits, intake.replicas, intake.usageFlushMs', () => {
  it('defaults per tenant (20k spans/s, 50k points/s, 20k logs/s, 32 MiB/s, 2 s burst); each env var sets its value and leaves the others', () => {
    expect(loadConfig({}).intake).toMatchObject({
      limits: { spansPerSecond: 20_000, dataPointsPerSecond: 50_000, logRecordsPerSecond: 20_000, bytesPerSecond: 32 * 1024 * 1024, burstSeconds: 2 },
      replicas: 1,
      usageFlushMs: 5_000,
    });
    const cfg = loadConfig({
      MERIDIAN_INTAKE_SPANS_PER_SECOND: '2000',
      MERIDIAN_INTAKE_LOG_RECORDS_PER_SECOND: '300',
      MERIDIAN_INTAKE_BURST_SECONDS: '0.5',
      MERIDIAN_INTAKE_REPLICAS: '4',
      MERIDIAN_USAGE_FLUSH_MS: '1000',
    });
    expect(cfg.intake.limits).toEqual({
      spansPerSecond: 2_000,
      dataPointsPerSecond: 50_000,
      logRecordsPerSecond: 300,
      bytesPerSecond: 32 * 1024 * 1024,
      burstSeconds: 0.5,
    });
    expect(cfg.intake).toMatchObject({ replicas: 4, usageFlushMs: 1_000 });
  });

  it('names the variable and the fix for bad values', () => {
    const problems = problemsOf(() =>
      loadConfig({
        MERIDIAN_INTAKE_DATA_POINTS_PER_SECOND: '0',
        MERIDIAN_INTAKE_BYTES_PER_SECOND: 'lots',
        MERIDIAN_INTAKE_BURST_SECONDS: '0',
        MERIDIAN_INTAKE_REPLICAS: '1.5',
        MERIDIAN_USAGE_FLUSH_MS: '10',
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'MERIDIAN_INTAKE_DATA_POINTS_PER_SECOND (intake.limits.dataPointsPerSecond): expected a positive integer',
        'MERIDIAN_INTAKE_BYTES_PER_SECOND (intake.limits.bytesPerSecond): expected a positive integer',
        'MERIDIAN_INTAKE_BURST_SECONDS (intake.limits.burstSeconds): expected at least 0.1 s',
        'MERIDIAN_INTAKE_REPLICAS (intake.replicas): expected a positive integer',
        'MERIDIAN_USAGE_FLUSH_MS (intake.usageFlushMs): expected at least 100 ms',
      ]),
    );
    expect(problems).toHaveLength(5);
  });
});

describe('intake.itemLimits', () => {
  it('defaults to the OpenTelemetry SDK limits and one day of clock skew; env vars set every value', () => {
    expect(loadConfig({}).intake.itemLimits).toEqual({
      maxAttributesPerItem: 128,
      maxAttributeValueBytes: 16_384,
      maxEventsPerSpan: 128,
      maxLinksPerSpan: 128,
      maxFutureSkewMs: 86_400_000,
    });
    const cfg = loadConfig({
      MERIDIAN_MAX_ATTRIBUTES_PER_ITEM: '64',
      MERIDIAN_MAX_ATTRIBUTE_VALUE_BYTES: '4096',
      MERIDIAN_MAX_EVENTS_PER_SPAN: '0',
      MERIDIAN_MAX_LINKS_PER_SPAN: '16',
      MERIDIAN_MAX_FUTURE_SKEW_MS: '60000',
    });
    expect(cfg.intake.itemLimits).toEqual({
      maxAttributesPerItem: 64,
      maxAttributeValueBytes: 4096,
      maxEventsPerSpan: 0,
      maxLinksPerSpan: 16,
      maxFutureSkewMs: 60_000,
    });
  });

  it('names the variable and the fix for bad values', () => {
    const problems = problemsOf(() =>
      loadConfig({
        MERIDIAN_MAX_ATTRIBUTES_PER_ITEM: '0',
        MERIDIAN_MAX_ATTRIBUTE_VALUE_BYTES: 'lots',
        MERIDIAN_MAX_EVENTS_PER_SPAN: '-1',
        MERIDIAN_MAX_FUTURE_SKEW_MS: String(2 * 86_400_000),
      }),
    ).join('\n');
    expect(problems).toMatch(/MERIDIAN_MAX_ATTRIBUTES_PER_ITEM \(intake\.itemLimits\.maxAttributesPerItem\): expected a positive integer/);
    expect(problems).toMatch(/MERIDIAN_MAX_ATTRIBUTE_VALUE_BYTES \(intake\.itemLimits\.maxAttributeValueBytes\)/);
    expect(problems).toMatch(/MERIDIAN_MAX_EVENTS_PER_SPAN \(intake\.itemLimits\.maxEventsPerSpan\)/);
    expect(problems).toMatch(/MERIDIAN_MAX_FUTURE_SKEW_MS \(intake\.itemLimits\.maxFutureSkewMs\): expected at most 86400000 \(1 day\)/);
  });
});

describe('server.operatorToken', () => {
  it('is unset by default (operator routes answer 403) and read from MERIDIAN_OPERATOR_TOKEN', () => {
    expect(loadConfig({}).server.operatorToken).toBeUndefined();
    const token = 'an-operator-token-of-enough-length';
    expect(loadConfig({ MERIDIAN_OPERATOR_TOKEN: token }).server.operatorToken).toBe(token);
  });

  it('refuses a short token naming the variable and how to make a good one, without echoing it', () => {
    let problems: string[] = [];
    try {
      loadConfig({ MERIDIAN_OPERATOR_TOKEN: 'hunter2-secret' });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    expect(problems.join('\n')).toMatch(
      /MERIDIAN_OPERATOR_TOKEN \(server\.operatorToken\): expected at least 24 characters, e\.g\. the output of: openssl rand -base64 32/,
    );
    expect(problems.join('\n')).not.toContain('hunter2-secret');
  });
});

describe('embedded ClickHouse memory bounds', () => {
  const MiB = 1024 * 1024;

  it('defaults to 1 GiB for the engine, a 256 MiB mark cache and 64 MiB index caches, read from MERIDIAN_CLICKHOUSE_*', () => {
    expect(loadConfig({}).embeddedClickHouse).toEqual({ maxMemoryBytes: 1024 * MiB, markCacheBytes: 256 * MiB, indexCacheBytes: 64 * MiB });
    const cfg = loadConfig({
      MERIDIAN_CLICKHOUSE_MAX_MEMORY_BYTES: String(2048 * MiB),
      MERIDIAN_CLICKHOUSE_MARK_CACHE_BYTES: String(512 * MiB),
      MERIDIAN_CLICKHOUSE_INDEX_CACHE_BYTES: String(128 * MiB),
    });
    expect(cfg.embeddedClickHouse).toEqual({ maxMemoryBytes: 2048 * MiB, markCacheBytes: 512 * MiB, indexCacheBytes: 128 * MiB });
  });

  it('refuses an engine limit below 256 MiB, and caches that would leave queries less than half of it, naming the variable', () => {
    expect(problemsOf(() => loadConfig({ MERIDIAN_CLICKHOUSE_MAX_MEMORY_BYTES: String(100 * MiB) })).join('\n')).toMatch(
      /MERIDIAN_CLICKHOUSE_MAX_MEMORY_BYTES \(embeddedClickHouse\.maxMemoryBytes\): expected at least 268435456/,
    );
    expect(problemsOf(() => loadConfig({ MERIDIAN_CLICKHOUSE_MARK_CACHE_BYTES: String(600 * MiB) })).join('\n')).toMatch(
      /MERIDIAN_CLICKHOUSE_MARK_CACHE_BYTES \(embeddedClickHouse\.markCacheBytes\): expected the caches .* at most half of embeddedClickHouse\.maxMemoryBytes/,
    );
    expect(problemsOf(() => loadConfig({ MERIDIAN_CLICKHOUSE_INDEX_CACHE_BYTES: '1GiB' })).join('\n')).toMatch(/MERIDIAN_CLICKHOUSE_INDEX_CACHE_BYTES/);
  });
});

describe('tenant reads', () => {
  it('defaults to 2 reads at once per engine, 1 per tenant, 32 waiting per tenant for up to 10 s, 30 s per read; read from MERIDIAN_READS_*', () => {
    expect(loadConfig({}).reads).toEqual({ maxRunning: 2, maxRunningPerTenant: 1, maxQueuedPerTenant: 32, maxWaitMs: 10_000, maxExecutionSeconds: 30 });
    const cfg = loadConfig({
      MERIDIAN_READS_MAX_RUNNING: '8',
      MERIDIAN_READS_TENANT_MAX_RUNNING: '3',
      MERIDIAN_READS_TENANT_MAX_QUEUED: '100',
      MERIDIAN_READS_MAX_WAIT_MS: '5000',
      MERIDIAN_READS_MAX_EXECUTION_SECONDS: '60',
    });
    expect(cfg.reads).toEqual({ maxRunning: 8, maxRunningPerTenant: 3, maxQueuedPerTenant: 100, maxWaitMs: 5_000, maxExecutionSeconds: 60 });
  });

  it('names a bad value and a per-tenant share above the total', () => {
    expect(problemsOf(() => loadConfig({ MERIDIAN_READS_MAX_EXECUTION_SECONDS: '0' })).join('\n')).toMatch(
      /MERIDIAN_READS_MAX_EXECUTION_SECONDS \(reads\.maxExecutionSeconds\): expected a positive integer/,
    );
    expect(problemsOf(() => loadConfig({ MERIDIAN_READS_MAX_WAIT_MS: '10' })).join('\n')).toMatch(
      /MERIDIAN_READS_MAX_WAIT_MS \(reads\.maxWaitMs\): expected at least 100 ms/,
    );
    expect(problemsOf(() => loadConfig({ MERIDIAN_READS_MAX_RUNNING: '2', MERIDIAN_READS_TENANT_MAX_RUNNING: '3' })).join('\n')).toMatch(
      /reads\.maxRunningPerTenant.*must be ≤ reads\.maxRunning/,
    );
  });
});
