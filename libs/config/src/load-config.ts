import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { configSchema, type MeridianConfig } from './config.schema';

/** Thrown with one line per bad value, each naming the variable (or file key) and the fix. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Environment variables, the config path each one sets, and how its text is read. */
const ENV_VARS: ReadonlyArray<readonly [string, string, (v: string) => unknown]> = [
  ['MERIDIAN_DATA_DIR', 'dataDir', String],
  ['MERIDIAN_HOST', 'server.host', String],
  ['MERIDIAN_API_PORT', 'server.apiPort', String],
  ['MERIDIAN_LOG_FORMAT', 'server.logFormat', String],
  ['MERIDIAN_OPERATOR_TOKEN', 'server.operatorToken', String],
  ['MERIDIAN_METRICS_TOKEN', 'server.metricsToken', String],
  ['MERIDIAN_TRUST_PROXY', 'server.trustProxy', String],
  ['MERIDIAN_OTLP_HTTP_PORT', 'intake.httpPort', String],
  ['MERIDIAN_OTLP_GRPC_PORT', 'intake.grpcPort', String],
  ['MERIDIAN_MAX_BODY_BYTES', 'intake.maxBodyBytes', String],
  ['MERIDIAN_MAX_GRPC_MESSAGE_BYTES', 'intake.maxGrpcMessageBytes', String],
  ['MERIDIAN_KEY_CACHE_MS', 'intake.keyCacheMs', String],
  ['MERIDIAN_OTLP_PUBLIC_URL', 'intake.publicUrl', String],
  ['MERIDIAN_MAX_ITEMS_PER_REQUEST', 'intake.requestLimits.maxItems', String],
  ['MERIDIAN_MAX_CONTAINERS_PER_REQUEST', 'intake.requestLimits.maxContainers', String],
  ['MERIDIAN_MAX_KEY_VALUES_PER_REQUEST', 'intake.requestLimits.maxKeyValues', String],
  ['MERIDIAN_MAX_OBJECTS_PER_REQUEST', 'intake.requestLimits.maxObjects', String],
  ['MERIDIAN_MAX_VALUE_DEPTH', 'intake.requestLimits.maxValueDepth', String],
  ['MERIDIAN_INTAKE_INFLIGHT_BYTES', 'intake.inflightBytes', String],
  ['MERIDIAN_INTAKE_TENANT_INFLIGHT_SHARE', 'intake.tenantInflightShare', String],
  ['MERIDIAN_INTAKE_ENCODE_THREADS', 'intake.encodeThreads', String],
  ['MERIDIAN_INTAKE_SPANS_PER_SECOND', 'intake.limits.spansPerSecond', String],
  ['MERIDIAN_INTAKE_DATA_POINTS_PER_SECOND', 'intake.limits.dataPointsPerSecond', String],
  ['MERIDIAN_INTAKE_LOG_RECORDS_PER_SECOND', 'intake.limits.logRecordsPerSecond', String],
  ['MERIDIAN_INTAKE_BYTES_PER_SECOND', 'intake.limits.bytesPerSecond', String],
  ['MERIDIAN_INTAKE_BURST_SECONDS', 'intake.limits.burstSeconds', String],
  ['MERIDIAN_INTAKE_REPLICAS', 'intake.replicas', String],
  ['MERIDIAN_USAGE_FLUSH_MS', 'intake.usageFlushMs', String],
  ['MERIDIAN_MAX_ATTRIBUTES_PER_ITEM', 'intake.itemLimits.maxAttributesPerItem', String],
  ['MERIDIAN_MAX_ATTRIBUTE_VALUE_BYTES', 'intake.itemLimits.maxAttributeValueBytes', String],
  ['MERIDIAN_MAX_EVENTS_PER_SPAN', 'intake.itemLimits.maxEventsPerSpan', String],
  ['MERIDIAN_MAX_LINKS_PER_SPAN', 'intake.itemLimits.maxLinksPerSpan', String],
  ['MERIDIAN_MAX_FUTURE_SKEW_MS', 'intake.itemLimits.maxFutureSkewMs', String],
  ['MERIDIAN_INGEST_BATCH_ROWS', 'ingester.batchMaxRows', String],
  ['MERIDIAN_INGEST_BATCH_BYTES', 'ingester.batchMaxBytes', String],
  ['MERIDIAN_INGEST_FLUSH_MS', 'ingester.flushIntervalMs', String],
  ['MERIDIAN_INGEST_ISOLATION_MAX_INSERTS', 'ingester.isolationMaxInserts', String],
  ['MERIDIAN_BUS', 'bus.kind', String],
  ['MERIDIAN_BUS_INLINE_MAX_BYTES', 'bus.inlineMaxBytes', String],
  ['MERIDIAN_BUS_WAL', 'bus.wal.enabled', parseBool],
  ['MERIDIAN_BUS_WAL_MAX_BYTES', 'bus.wal.maxBytes', String],
  ['MERIDIAN_BUS_WAL_SEGMENT_BYTES', 'bus.wal.segmentBytes', String],
  ['MERIDIAN_BUS_WAL_FSYNC', 'bus.wal.fsync', String],
  ['MERIDIAN_BUS_WAL_GROUP_COMMIT_MS', 'bus.wal.groupCommitMs', String],
  ['MERIDIAN_DEAD_LETTER_TENANT_MAX_BYTES', 'bus.deadLetters.maxBytesPerTenant', String],
  ['MERIDIAN_DEAD_LETTER_MAX_BYTES', 'bus.deadLetters.maxBytesTotal', String],
  ['MERIDIAN_DEAD_LETTER_TENANT_BYTES_PER_HOUR', 'bus.deadLetters.kafkaTenantBytesPerHour', String],
  ['MERIDIAN_KAFKA_CLIENT_ID', 'bus.kafka.clientId', String],
  ['MERIDIAN_KAFKA_IDEMPOTENT', 'bus.kafka.idempotent', parseBool],
  ['MERIDIAN_KAFKA_COMPRESSION', 'bus.kafka.compression', String],
  ['MERIDIAN_KAFKA_PRODUCER_RETRIES', 'bus.kafka.producerRetries', String],
  ['MERIDIAN_KAFKA_PUBLISH_TIMEOUT_MS', 'bus.kafka.publishTimeoutMs', String],
  ['MERIDIAN_KAFKA_RETRY_AFTER_SECONDS', 'bus.kafka.retryAfterSeconds', String],
  ['MERIDIAN_KAFKA_TENANT_PARTITIONS', 'bus.kafka.tenantPartitions', String],
  ['MERIDIAN_KAFKA_SESSION_TIMEOUT_MS', 'bus.kafka.sessionTimeoutMs', String],
  ['MERIDIAN_KAFKA_HEARTBEAT_INTERVAL_MS', 'bus.kafka.heartbeatIntervalMs', String],
  ['MERIDIAN_KAFKA_REBALANCE_TIMEOUT_MS', 'bus.kafka.rebalanceTimeoutMs', String],
  ['MERIDIAN_KAFKA_PARTITIONS_CONCURRENTLY', 'bus.kafka.partitionsConsumedConcurrently', String],
  ['MERIDIAN_CLICKHOUSE_MAX_MEMORY_BYTES', 'embeddedClickHouse.maxMemoryBytes', String],
  ['MERIDIAN_CLICKHOUSE_MARK_CACHE_BYTES', 'embeddedClickHouse.markCacheBytes', String],
  ['MERIDIAN_CLICKHOUSE_INDEX_CACHE_BYTES', 'embeddedClickHouse.indexCacheBytes', String],
  ['MERIDIAN_READS_MAX_RUNNING', 'reads.maxRunning', String],
  ['MERIDIAN_READS_TENANT_MAX_RUNNING', 'reads.maxRunningPerTenant', String],
  ['MERIDIAN_READS_TENANT_MAX_QUEUED', 'reads.maxQueuedPerTenant', String],
  ['MERIDIAN_READS_MAX_WAIT_MS', 'reads.maxWaitMs', String],
  ['MERIDIAN_READS_MAX_EXECUTION_SECONDS', 'reads.maxExecutionSeconds', String],
  ['DATABASE_URL', 'controlPlane.databaseUrl', String],
  ['MERIDIAN_SESSION_TTL_HOURS', 'auth.sessionTtlHours', String],
  ['MERIDIAN_SECURE_COOKIES', 'auth.secureCookies', String],
  ['MERIDIAN_LOGIN_FAILURES_PER_ACCOUNT_IP', 'auth.loginFailuresPerAccountIp', String],
  ['MERIDIAN_LOGIN_DELAY_AFTER_FAILURES', 'auth.loginDelayAfterFailures', String],
  ['MERIDIAN_LOGIN_MAX_DELAY_MS', 'auth.loginMaxDelayMs', String],
  ['MERIDIAN_SIGNUP_VERIFICATION_HOURS', 'auth.signupVerificationHours', String],
  ['MERIDIAN_SIGNUPS_PER_IP_PER_HOUR', 'auth.signupsPerIpPerHour', String],
  ['MERIDIAN_SIGNUP_EMAILS_PER_ADDRESS_PER_HOUR', 'auth.signupEmailsPerAddressPerHour', String],
  ['MERIDIAN_LOGIN_ATTEMPTS_PER_IP', 'auth.loginAttemptsPerIp', String],
  ['MERIDIAN_PUBLIC_URL', 'auth.publicUrl', String],
  ['MERIDIAN_SMTP_URL', 'auth.smtpUrl', String],
  ['MERIDIAN_EMAIL_FROM', 'auth.emailFrom', String],
  ['MERIDIAN_INVITATIONS_PER_TENANT_PER_HOUR', 'auth.invitationsPerTenantPerHour', String],
  ['MERIDIAN_INVITATIONS_PER_ADMIN_PER_HOUR', 'auth.invitationsPerAdminPerHour', String],
  ['MERIDIAN_INVITATIONS_PER_RECIPIENT_PER_DAY', 'auth.invitationsPerRecipientPerDay', String],
  ['MERIDIAN_ALERT_INTERVAL_MS', 'alerting.evaluationIntervalMs', String],
  ['MERIDIAN_ALERT_RETRY_MS', 'alerting.retryInitialMs', String],
  ['MERIDIAN_ALERT_MAX_ATTEMPTS', 'alerting.maxAttempts', String],
  ['MERIDIAN_SECRETS_KEY', 'alerting.secretsKey', String],
  ['MERIDIAN_ALERT_ALLOW_TARGETS', 'alerting.allowTargets', parseList],
  ['MERIDIAN_ALERT_MAX_RULES_PER_TENANT', 'alerting.maxRulesPerTenant', String],
  ['MERIDIAN_ALERT_CONCURRENCY', 'alerting.evaluationConcurrency', String],
  ['MERIDIAN_ALERT_TENANT_CONCURRENCY', 'alerting.tenantEvaluationConcurrency', String],
  ['MERIDIAN_DEFAULT_REGION', 'defaultRegion', String],
  ['MERIDIAN_RETENTION_DAYS', 'retentionDays', String],
  ['MERIDIAN_DEMO', 'demo.enabled', parseBool],
  ['MERIDIAN_DEMO_TPS', 'demo.transactionsPerSecond', String],
  ['MERIDIAN_COLLECTOR_OTLP_URL', 'collector.otlpUrl', String],
  ['MERIDIAN_COLLECTOR_INGEST_KEY', 'collector.ingestKey', String],
  ['MERIDIAN_COLLECTOR_INTERVAL_MS', 'collector.intervalMs', String],
  ['MERIDIAN_COLLECTOR_TARGETS', 'collector.targets', parseTargetList],
  ['MERIDIAN_COLLECTOR_HOST', 'collector.host.enabled', parseBool],
  ['MERIDIAN_COLLECTOR_HOST_INTERVAL_MS', 'collector.host.intervalMs', String],
  ['MERIDIAN_COLLECTOR_HOST_PROCESSES', 'collector.host.topProcesses', String],
];

function parseBool(v: string): unknown {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  return v; // left as text so validation reports it
}

/** Comma/blank separated list. */
function parseList(v: string): unknown {
  return v.split(/[\s,]+/).filter(Boolean);
}

/** MERIDIAN_COLLECTOR_TARGETS: connection URLs separated by commas or blanks (names/clusters need the config file). */
function parseTargetList(v: string): unknown {
  return v
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((url) => ({ url }));
}

const MiB = 1024 * 1024;

export function defaultConfig(): MeridianConfig {
  return {
    dataDir: './data',
    server: { host: '0.0.0.0', apiPort: 8080, logFormat: 'text', trustProxy: false },
    intake: {
      httpPort: 4318,
      grpcPort: 4317,
      maxBodyBytes: 64 * MiB,
      maxGrpcMessageBytes: 16 * MiB,
      keyCacheMs: 5_000,
      requestLimits: { maxItems: 100_000, maxContainers: 10_000, maxKeyValues: 2_000_000, maxObjects: 4_000_000, maxValueDepth: 32 },
      inflightBytes: 256 * MiB,
      tenantInflightShare: 0.5,
      // As many as the machine has cores (at most 8): intake's CPU work then spreads over all of them.
      encodeThreads: Math.min(availableParallelism(), 8),
      limits: { spansPerSecond: 20_000, dataPointsPerSecond: 50_000, logRecordsPerSecond: 20_000, bytesPerSecond: 32 * MiB, burstSeconds: 2 },
      replicas: 1,
      usageFlushMs: 5_000,
      // The OpenTelemetry SDK limits (128), values cut at 16 KiB, one day of clock skew.
      itemLimits: { maxAttributesPerItem: 128, maxAttributeValueBytes: 16 * 1024, maxEventsPerSpan: 128, maxLinksPerSpan: 128, maxFutureSkewMs: 86_400_000 },
    },
    ingester: {
      batchMaxRows: 50_000,
      batchMaxBytes: 32 * MiB,
      flushIntervalMs: 1_000,
      retryInitialMs: 200,
      retryMaxMs: 30_000,
      maxAttemptsForDataErrors: 5,
      isolationMaxInserts: 128,
    },
    bus: {
      kind: 'inline',
      inlineMaxBytes: 256 * MiB,
      wal: { enabled: true, maxBytes: 1024 * MiB, segmentBytes: 64 * MiB, fsync: 'always', groupCommitMs: 0 },
      deadLetters: { maxBytesPerTenant: 64 * MiB, maxBytesTotal: 1024 * MiB, kafkaTenantBytesPerHour: 64 * MiB },
      kafka: {
        clientId: 'meridian',
        idempotent: true,
        compression: 'lz4',
        maxInFlightRequests: 5,
        producerRetries: 5,
        requestTimeoutMs: 5_000,
        publishTimeoutMs: 8_000,
        maxPendingBytes: 256 * MiB,
        retryAfterSeconds: 5,
        tenantPartitions: 2,
        connectionTimeoutMs: 3_000,
        sessionTimeoutMs: 30_000,
        heartbeatIntervalMs: 3_000,
        rebalanceTimeoutMs: 60_000,
        partitionsConsumedConcurrently: 4,
        maxBytesPerPartition: 8 * MiB,
      },
    },
    // The engine tracked at most ~380 MiB while the bench ingested 35 k spans/s in 50,000-row batches (README "Memory").
    embeddedClickHouse: { maxMemoryBytes: 1024 * MiB, markCacheBytes: 256 * MiB, indexCacheBytes: 64 * MiB },
    // chdb runs one parameterized query at a time per process: a second slot keeps the embedded
    // engine fed, one per tenant lets each other tenant's next read in at the next turn.
    reads: { maxRunning: 2, maxRunningPerTenant: 1, maxQueuedPerTenant: 32, maxWaitMs: 10_000, maxExecutionSeconds: 30 },
    controlPlane: {},
    auth: {
      sessionTtlHours: 24 * 7,
      secureCookies: 'auto',
      loginAttemptsPerIp: 100,
      loginFailuresPerAccountIp: 10,
      loginDelayAfterFailures: 5,
      loginMaxDelayMs: 4_000,
      signupVerificationHours: 24,
      signupsPerIpPerHour: 20,
      signupEmailsPerAddressPerHour: 3,
      emailFrom: 'Meridian <no-reply@meridian.local>',
      invitationTtlHours: 24 * 7,
      invitationsPerTenantPerHour: 50,
      invitationsPerAdminPerHour: 30,
      invitationsPerRecipientPerDay: 3,
    },
    alerting: {
      evaluationIntervalMs: 30_000,
      retryInitialMs: 2_000,
      maxAttempts: 6,
      allowTargets: [],
      maxRulesPerTenant: 500,
      evaluationConcurrency: 16,
      tenantEvaluationConcurrency: 4,
    },
    regions: [
      {
        id: 'ap-northeast-1',
        name: 'Tokyo',
        location: 'Japan (Tokyo). Telemetry is stored and processed only in Japan.',
        clickhouse: { mode: 'embedded', database: 'meridian_ap_northeast_1' },
        bus: {},
      },
      {
        id: 'ap-northeast-2',
        name: 'Seoul',
        location: 'South Korea (Seoul). Telemetry is stored and processed only in South Korea.',
        clickhouse: { mode: 'embedded', database: 'meridian_ap_northeast_2' },
        bus: {},
      },
    ],
    defaultRegion: 'ap-northeast-1',
    retentionDays: 30,
    demo: { enabled: true, tenantSlug: 'demo', transactionsPerSecond: 20 },
    collector: { intervalMs: 5_000, targets: [], host: { enabled: true, intervalMs: 10_000, topProcesses: 50 } },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** File values override defaults key by key; arrays (regions) are replaced whole. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? deepMerge(base[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (!isPlainObject(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

/**
 * Builds the validated configuration: defaults, then the JSON file named by
 * MERIDIAN_CONFIG_FILE (if any), then environment variables. Throws ConfigError listing
 * every bad value at once.
 */
export function loadConfig(env: Env = process.env): MeridianConfig {
  let raw: Record<string, unknown> = defaultConfig() as unknown as Record<string, unknown>;
  const file = env.MERIDIAN_CONFIG_FILE;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(resolve(file), 'utf8'));
    } catch (e) {
      throw new ConfigError([`MERIDIAN_CONFIG_FILE: cannot read ${file} as JSON: ${(e as Error).message}`]);
    }
    if (!isPlainObject(parsed)) throw new ConfigError([`MERIDIAN_CONFIG_FILE: ${file} must hold a JSON object`]);
    raw = deepMerge(raw, parsed);
  }
  const fromEnv = new Map<string, string>();
  for (const [name, path, read] of ENV_VARS) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    setPath(raw, path, read(v));
    fromEnv.set(path, name);
  }
  applyKafkaBrokersEnv(raw, env.MERIDIAN_KAFKA_BROKERS, fromEnv);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const path = issue.path.join('.');
        // List variables (MERIDIAN_COLLECTOR_TARGETS) set a whole array: name them for its items too.
        const source = fromEnv.get(path) ?? [...fromEnv].find(([p]) => path.startsWith(`${p}.`))?.[1];
        const where = source ? `${source} (${path})` : file ? `${path} (in ${file} or default)` : path;
        return `${where}: ${issue.message}`;
      }),
    );
  }
  return result.data;
}

/**
 * MERIDIAN_KAFKA_BROKERS=host:port,… gives every region that has no `bus.kafka` of its own that
 * Kafka, with topics prefixed `meridian.<region>.` (one cluster shared by all regions; a region
 * pinned to its own cluster sets `regions[].bus.kafka` in the config file).
 */
function applyKafkaBrokersEnv(raw: Record<string, unknown>, value: string | undefined, fromEnv: Map<string, string>): void {
  if (!value || !Array.isArray(raw.regions)) return;
  const brokers = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  raw.regions.forEach((r: unknown, i: number) => {
    if (!isPlainObject(r)) return;
    const bus = isPlainObject(r.bus) ? r.bus : {};
    if (bus.kafka !== undefined) return;
    r.bus = { ...bus, kafka: { brokers, topicPrefix: `meridian.${String(r.id)}.` } };
    fromEnv.set(`regions.${i}.bus.kafka.brokers`, 'MERIDIAN_KAFKA_BROKERS');
    brokers.forEach((_, j) => fromEnv.set(`regions.${i}.bus.kafka.brokers.${j}`, 'MERIDIAN_KAFKA_BROKERS'));
  });
}

/** Soft problems worth a warning at start (Tempo's CheckConfig): the server still starts. */
export function configWarnings(cfg: MeridianConfig): string[] {
  const out: string[] = [];
  if (cfg.server.host === '0.0.0.0' && cfg.bus.kind === 'inline') {
    out.push('listening on all interfaces (MERIDIAN_HOST=0.0.0.0); set MERIDIAN_HOST=127.0.0.1 to keep Meridian local');
  }
  if (cfg.intake.keyCacheMs > 10_000) out.push('intake.keyCacheMs > 10 s: revoked ingest keys keep working that long');
  return out;
}
