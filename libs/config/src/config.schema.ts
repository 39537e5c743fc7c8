import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The whole configuration, one section per module (Tempo style). Every section owns its
 * defaults here; `loadConfig` fills it from the environment and an optional JSON file and
 * validates it once at start.
 */

const port = z.coerce.number({ error: 'expected a port number 0–65535' }).int().min(0).max(65535, 'expected a port number 0–65535');
const positiveInt = z.coerce.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer');
const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'expected a ClickHouse identifier: lowercase letters, digits and _');
const regionId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'expected a region id like "ap-northeast-1"');

const kafkaName = z.string().regex(/^[a-zA-Z0-9._-]{1,200}$/, 'expected a Kafka name: letters, digits, ".", "_" and "-"');

export const clickHouseTargetSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('embedded') }),
  z.object({
    mode: z.literal('http'),
    url: z.url(),
    username: z.string().optional(),
    password: z.string().optional(),
  }),
]);

export const regionSchema = z.object({
  id: regionId,
  /** Shown to tenant admins choosing where their data lives. */
  name: z.string().min(1),
  location: z.string().min(1),
  clickhouse: z.object({ database: identifier }).and(clickHouseTargetSchema),
  bus: z
    .object({
      kafka: z
        .object({
          brokers: z.array(z.string().regex(/^[^\s,]+:\d+$/, 'expected "host:port"')).min(1, 'expected at least one broker "host:port"'),
          /** Topic names default to `<topicPrefix>spans`, `…metric-points`, `…logs`, `…dead-letter`. */
          topicPrefix: kafkaName,
          topics: z.object({ spans: kafkaName, metric_points: kafkaName, logs: kafkaName, deadLetter: kafkaName }).partial().optional(),
          /** Consumer group of the region's ingesters; default `<topicPrefix>ingester`. */
          consumerGroup: kafkaName.optional(),
        })
        .optional(),
    })
    .default({}),
});

/** `false`/`0`, a hop count, or a comma list of proxy addresses/CIDRs (env text or config value). */
const trustProxySchema = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const t = v.trim();
    if (t === '' || t === 'false' || t === '0') return false;
    if (/^\d+$/.test(t)) return Number(t);
    return t
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  },
  z.union([
    z.literal(false),
    z.number().int().min(1, 'expected a hop count of 1 or more (or false)').max(10, 'expected at most 10 hops'),
    z
      .array(
        z.string().refine((s) => ['loopback', 'linklocal', 'uniquelocal'].includes(s) || isCidrOrIp(s), {
          error: 'expected proxy addresses or CIDRs (10.0.0.0/8, ::1) or loopback/linklocal/uniquelocal, e.g. MERIDIAN_TRUST_PROXY=10.0.0.0/8',
        }),
      )
      .min(1),
  ]),
);

function isCidrOrIp(s: string): boolean {
  const [addr, prefix, ...rest] = s.split('/');
  const v = isIP(addr);
  if (!v || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (v === 4 ? 32 : 128);
}

export const configSchema = z
  .object({
    dataDir: z.string().min(1),
    server: z.object({
      host: z.string().min(1),
      apiPort: port,
      /** `text` (Nest's console lines) or `json` (one object per line with time, level, msg, role, requestId). */
      logFormat: z.enum(['text', 'json']),
      /**
       * Bearer token of the SaaS operator for operator-only API routes (setting a tenant's ingest
       * limits); unset → those routes answer 403. Compared in constant time, never logged.
       */
      operatorToken: z
        .string()
        .min(24, 'expected at least 24 characters, e.g. the output of: openssl rand -base64 32')
        .max(512, 'expected at most 512 characters')
        .optional(),
      /** Bearer token that unlocks the per-tenant series of GET /metrics; unset → only series without tenant ids are served. */
      metricsToken: z.string().min(16, 'expected at least 16 characters (openssl rand -hex 32)').optional(),
      /**
       * Express `trust proxy`: which proxies may set X-Forwarded-For (the client IP that sign-in
       * throttles and audit rows use). false: none (the socket address); a number: that many
       * hops; a list: the proxies' addresses/CIDRs (or loopback, linklocal, uniquelocal).
       */
      trustProxy: trustProxySchema,
    }),
    intake: z.object({
      httpPort: port,
      grpcPort: port,
      /** Limit after decompression (DESIGN.md: 64 MiB → 413). */
      maxBodyBytes: positiveInt,
      /**
       * OTLP/gRPC message limit after decompression (→ RESOURCE_EXHAUSTED). Lower than the HTTP
       * body limit: grpc-js inflates a whole message before the handler can check it, so a gRPC
       * request can cost twice this in memory (OTel Collector's default is 4 MiB).
       */
      maxGrpcMessageBytes: positiveInt,
      /** How long a verified (or rejected) key is trusted before asking the control plane again. */
      keyCacheMs: z.coerce.number().int().min(0).max(60_000),
      /** OTLP/HTTP URL as SDKs outside reach it (shown with new ingest keys); default http://localhost:<httpPort>. */
      publicUrl: z.url().optional(),
      /** Per-request decode limits, counted on the wire before anything is decoded; over → 413 / RESOURCE_EXHAUSTED. */
      requestLimits: z.object({
        /** Spans, metric data points or log records in one request. */
        maxItems: positiveInt,
        /** ResourceSpans/Metrics/Logs plus ScopeSpans/Metrics/Logs in one request. */
        maxContainers: positiveInt,
        /** Attributes (key-values, anywhere) plus array elements of attribute values in one request. */
        maxKeyValues: positiveInt,
        /** Every message (protobuf) or object/array (JSON) in one request: the bound on decode work. */
        maxObjects: positiveInt,
        /** AnyValue nesting kept; deeper values are cut to null (not refused). */
        maxValueDepth: positiveInt.max(32, 'expected at most 32 (values nested deeper are always cut)'),
      }),
      /** Decompressed body bytes of all requests in flight in this process; over → 503 + Retry-After / UNAVAILABLE. */
      inflightBytes: positiveInt,
      /** Worker threads that decode requests and encode their rows; 0 = on the main thread. */
      encodeThreads: z.coerce
        .number({ error: 'expected a whole number of threads, e.g. 2' })
        .int('expected a whole number of threads, e.g. 2')
        .min(0, 'expected 0 (main thread) or more')
        .max(64, 'expected at most 64'),
      /** Fraction of inflightBytes one tenant may hold at once (0 < share ≤ 1). */
      tenantInflightShare: z.coerce
        .number({ error: 'expected a fraction, e.g. 0.5' })
        .gt(0, 'expected a fraction above 0, e.g. 0.5')
        .max(1, 'expected at most 1'),
      /** Per-tenant ingest rates (token buckets); a tenant's control-plane overrides replace them. Over → 429 + Retry-After. */
      limits: z.object({
        spansPerSecond: positiveInt,
        dataPointsPerSecond: positiveInt,
        logRecordsPerSecond: positiveInt,
        /** Decompressed OTLP body bytes. */
        bytesPerSecond: positiveInt,
        /** Burst: a bucket holds this many seconds of its rate, so short spikes pass. */
        burstSeconds: z.coerce.number({ error: 'expected seconds, e.g. 2' }).min(0.1, 'expected at least 0.1 s').max(600, 'expected at most 600 s'),
      }),
      /** Intake processes sharing the traffic: each enforces limit / replicas (the Helm chart sets it). */
      replicas: positiveInt.max(1000, 'expected at most 1000'),
      /** Usage counts (per tenant, day, signal) are written to the control plane this often, and on shutdown. */
      usageFlushMs: z.coerce.number().int().min(100, 'expected at least 100 ms').max(300_000, 'expected at most 300000 ms'),
      /** Per-item rules applied while decoding: cuts (item kept, counted in meridian_intake_truncated_total) and the time window (item rejected). */
      itemLimits: z.object({
        /** Attributes kept per resource, scope, span, event, link, data point and log record; the rest are dropped. */
        maxAttributesPerItem: positiveInt.max(65_535, 'expected at most 65535'),
        /** UTF-8 bytes kept of each attribute value string (or bytes value), cut on a character boundary. */
        maxAttributeValueBytes: positiveInt.max(16 * 1024 * 1024, 'expected at most 16777216 (16 MiB)'),
        maxEventsPerSpan: z.coerce.number({ error: 'expected a count, e.g. 128' }).int('expected a whole number').min(0).max(65_535, 'expected at most 65535'),
        maxLinksPerSpan: z.coerce.number({ error: 'expected a count, e.g. 128' }).int('expected a whole number').min(0).max(65_535, 'expected at most 65535'),
        /** Items timed further ahead of the receive time are rejected. At most a day: an insert may span retention + 2 daily partitions (RowWriter). */
        maxFutureSkewMs: z.coerce
          .number({ error: 'expected milliseconds, e.g. 86400000' })
          .int('expected whole milliseconds')
          .min(0)
          .max(86_400_000, 'expected at most 86400000 (1 day)'),
      }),
    }),
    ingester: z.object({
      batchMaxRows: positiveInt,
      batchMaxBytes: positiveInt,
      flushIntervalMs: positiveInt,
      retryInitialMs: positiveInt,
      retryMaxMs: positiveInt,
      /** A single row refused with an unrecognised ClickHouse error is tried this many times before it is dead-lettered. */
      maxAttemptsForDataErrors: positiveInt,
      /** Trials (dry-run checks or inserts) spent isolating one tenant's refused rows in a batch; what still fails then is dead-lettered whole. */
      isolationMaxInserts: positiveInt.max(10_000, 'expected at most 10000'),
    }),
    bus: z.object({
      kind: z.enum(['inline', 'kafka']),
      /** Inline bus: bytes held in memory per region before intake answers 503. */
      inlineMaxBytes: positiveInt,
      /** Inline bus write-ahead log (`<dataDir>/wal/<region>/`): a 2xx survives kill -9. */
      wal: z
        .object({
          enabled: z.boolean({ error: 'expected 1/0, true/false, yes/no or on/off' }),
          /** Bytes of log per region (unacknowledged plus not yet deleted) before intake answers 503. */
          maxBytes: positiveInt,
          /** Segment size; whole acknowledged segments are deleted. */
          segmentBytes: positiveInt.min(4096, 'expected at least 4096 bytes'),
          /** `always`: fdatasync before answering (durable through power loss); `off`: for benchmarks only. */
          fsync: z.enum(['always', 'off']),
          /** Extra wait so more publishes share one write + fsync (0: share what arrives during the previous fsync). */
          groupCommitMs: z.coerce.number().int('expected an integer').min(0).max(100, 'expected at most 100 ms'),
        })
        .refine((w) => w.segmentBytes * 2 <= w.maxBytes, {
          message: 'expected bus.wal.segmentBytes at most half of bus.wal.maxBytes (acknowledged space is freed a whole segment at a time)',
          path: ['segmentBytes'],
        }),
      /** Dead letters: byte caps (oldest dropped first, counted in meridian_dead_letters_dropped_total). */
      deadLetters: z
        .object({
          /** Inline bus: bytes kept per tenant and region under <dataDir>/dead-letter. */
          maxBytesPerTenant: positiveInt.min(16_384, 'expected at least 16384 bytes'),
          /** Inline bus: bytes kept in <dataDir>/dead-letter altogether. */
          maxBytesTotal: positiveInt,
          /** Kafka bus: bytes one tenant may dead-letter per hour per ingester process; over it they are counted and dropped. */
          kafkaTenantBytesPerHour: positiveInt,
        })
        .refine((d) => d.maxBytesPerTenant <= d.maxBytesTotal, {
          message: 'expected bus.deadLetters.maxBytesPerTenant at most bus.deadLetters.maxBytesTotal',
          path: ['maxBytesPerTenant'],
        }),
      /** Kafka client settings (brokers and topics are per region, in regions[].bus.kafka). */
      kafka: z.object({
        clientId: kafkaName,
        /** Idempotent producer; needs a broker that supports it (Kafka ≥ 0.11). */
        idempotent: z.boolean({ error: 'expected 1/0, true/false, yes/no or on/off' }),
        compression: z.enum(['lz4', 'gzip', 'none']),
        /** Unacknowledged produce requests per connection (≤ 5 keeps ordering with idempotence). */
        maxInFlightRequests: positiveInt.max(5, 'expected at most 5 (idempotent producer)'),
        producerRetries: z.coerce.number().int().min(0).max(100),
        requestTimeoutMs: positiveInt,
        /** Publish not acknowledged by then → 503 (below the OTel SDKs' 10 s export timeout). */
        publishTimeoutMs: positiveInt,
        /** Bytes being published at once per process before intake answers 503 at once. */
        maxPendingBytes: positiveInt,
        retryAfterSeconds: positiveInt.max(3600),
        /** Partitions of each row topic one tenant's messages go to, so its backlog delays no tenant outside them; 0: all. */
        tenantPartitions: z.coerce.number().int().min(0).max(10_000),
        connectionTimeoutMs: positiveInt,
        sessionTimeoutMs: positiveInt,
        heartbeatIntervalMs: positiveInt,
        rebalanceTimeoutMs: positiveInt,
        partitionsConsumedConcurrently: positiveInt.max(1000),
        maxBytesPerPartition: positiveInt,
      }),
    }),
    /**
     * The embedded ClickHouse engine (chdb) of this process, used by regions with clickhouse.mode
     * embedded; given to the engine when it starts (server settings, not per query).
     */
    embeddedClickHouse: z
      .object({
        /** max_server_memory_usage: tracked engine memory (queries, merges, caches) beyond which queries fail; merges get half. Capped by ClickHouse at 90 % of RAM. */
        maxMemoryBytes: positiveInt.min(256 * 1024 * 1024, 'expected at least 268435456 (256 MiB)'),
        /** mark_cache_size (ClickHouse's default 5 GiB). */
        markCacheBytes: positiveInt,
        /** primary_index_cache_size and index_mark_cache_size, each (ClickHouse's default 5 GiB). */
        indexCacheBytes: positiveInt,
      })
      .refine((e) => e.markCacheBytes + 2 * e.indexCacheBytes <= e.maxMemoryBytes / 2, {
        message:
          'expected the caches (markCacheBytes + 2 × indexCacheBytes) at most half of embeddedClickHouse.maxMemoryBytes, so queries and inserts keep room',
        path: ['markCacheBytes'],
      }),
    /**
     * Tenant reads (API, UI, rule previews, alert evaluations) on each ClickHouse engine: a gate
     * with slots, per-tenant queues served round-robin, and the engine's time limit per read.
     */
    reads: z.object({
      /** Reads running on one engine at once (embedded regions share one engine). */
      maxRunning: positiveInt.max(1_000, 'expected at most 1000'),
      /** Of those, at most this many of one tenant. */
      maxRunningPerTenant: positiveInt.max(1_000, 'expected at most 1000'),
      /** Reads of one tenant waiting for a slot; one more answers 429 + Retry-After. */
      maxQueuedPerTenant: positiveInt.max(10_000, 'expected at most 10000'),
      /** A read waiting longer for a slot answers 429 (its tenant's own reads held its slots) or 503 (the engine was busy with others), with Retry-After. */
      maxWaitMs: positiveInt.min(100, 'expected at least 100 ms').max(300_000, 'expected at most 300000 ms'),
      /** max_execution_time of every read: the engine stops it after this long (→ 504 naming the limit). */
      maxExecutionSeconds: positiveInt.max(3_600, 'expected at most 3600 s'),
    }),
    controlPlane: z.object({
      databaseUrl: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
        .optional(),
    }),
    auth: z.object({
      /** Sessions expire after this long without use. */
      sessionTtlHours: positiveInt.max(24 * 90),
      /** `auto`: Secure cookies on HTTPS and on localhost (browsers accept them there), not on plain-HTTP hosts. */
      secureCookies: z.enum(['auto', 'always']),
      /** Sign-in attempts per client IP per 15 minutes (all accounts; slows spraying from one address). */
      loginAttemptsPerIp: positiveInt,
      /** Wrong passwords for one account from one client IP per 15 minutes; then that pair (only) answers 429. */
      loginFailuresPerAccountIp: positiveInt,
      /**
       * Wrong passwords for one account (any IP, 15 minutes) after which each sign-in for it waits
       * 250 ms, doubling per further failure up to loginMaxDelayMs. Never a lockout: the right
       * password from a clean address still signs in, so an attacker cannot lock a user out.
       */
      loginDelayAfterFailures: positiveInt,
      loginMaxDelayMs: z.coerce.number().int().min(0, 'expected 0 or more ms').max(30_000, 'expected at most 30000 ms'),
      /** How long a sign-up's emailed verification link works. */
      signupVerificationHours: positiveInt.max(24 * 7),
      /** Sign-ups without an invitation (each sends an email) per client IP per hour, and emails per recipient per hour. */
      signupsPerIpPerHour: positiveInt,
      signupEmailsPerAddressPerHour: positiveInt,
      /** Where users open the UI; invitation and alert links point here (default http://localhost:<apiPort>). */
      publicUrl: z.url({ error: 'expected the URL users open Meridian at, e.g. https://meridian.example.com' }).optional(),
      /** smtp(s)://user:pass@host:port to send invitations; unset → written to <dataDir>/outbox as .eml files. */
      smtpUrl: z
        .string()
        .regex(/^smtps?:\/\//, 'expected an smtp:// or smtps:// URL')
        .optional(),
      emailFrom: z.string().min(3),
      invitationTtlHours: positiveInt.max(24 * 30),
      /** Invitations one tenant may send per hour (then 429 + Retry-After). */
      invitationsPerTenantPerHour: positiveInt.max(100_000),
      /** Invitations one admin may send per hour, over all their tenants. */
      invitationsPerAdminPerHour: positiveInt.max(100_000),
      /** Invitations one email address may receive per day from all tenants together (tenant names are user-chosen text). */
      invitationsPerRecipientPerDay: positiveInt.max(1_000),
    }),
    /** The alerter role and alert channels. */
    alerting: z.object({
      /** How often each rule is evaluated. */
      evaluationIntervalMs: z.coerce.number().int().min(100, 'expected at least 100 ms').max(3_600_000, 'expected at most 3600000 ms'),
      /** First delivery retry after this long, doubling per attempt. */
      retryInitialMs: positiveInt,
      /** Delivery attempts before a notification is marked failed. */
      maxAttempts: positiveInt.max(20),
      /** AES-256-GCM key for channel secrets, base64 of 32 bytes; unset → <dataDir>/secrets.key (made once). */
      secretsKey: z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, 'expected base64 of 32 random bytes (openssl rand -base64 32)')
        .optional(),
      /** Hosts or IPs channels may target although private/loopback (refused by default, against SSRF). */
      allowTargets: z.array(z.string().min(1)),
      /** Rules one tenant may have; creating or importing more is refused with a 400. */
      maxRulesPerTenant: positiveInt.max(100_000),
      /** Rule evaluations in flight at once per alerter replica. */
      evaluationConcurrency: positiveInt.max(1_000),
      /** Of those, at most this many for one tenant, so one tenant's slow rules cannot take every slot. */
      tenantEvaluationConcurrency: positiveInt.max(1_000),
    }),
    regions: z.array(regionSchema).min(1),
    defaultRegion: regionId,
    retentionDays: z.coerce.number().int().min(1).max(3650),
    demo: z.object({
      enabled: z.boolean({ error: 'expected 1/0, true/false, yes/no or on/off' }),
      tenantSlug: z.string().regex(/^[a-z0-9][a-z0-9-]{2,39}$/),
      transactionsPerSecond: z.coerce.number().positive().max(10_000),
    }),
    /** The collector role: polls databases and sends their metrics as OTLP to an intake. */
    collector: z.object({
      /** OTLP/HTTP base URL of the intake; unset with the intake role in this process → that intake. */
      otlpUrl: z.url({ error: 'expected the OTLP/HTTP base URL of an intake, e.g. http://intake:4318' }).optional(),
      /** Ingest key of the tenant the database metrics belong to. Never logged. */
      ingestKey: z.string().min(1).optional(),
      intervalMs: z.coerce.number().int().min(1_000, 'expected at least 1000 ms').max(300_000, 'expected at most 300000 ms'),
      /** Connection URLs carry credentials: they are redacted in every log line and never served by the API. */
      targets: z.array(
        z.object({
          url: z
            .string()
            .regex(/^(postgres|postgresql|mysql|mariadb):\/\/[^\s]+$/, 'expected postgres://user:password@host:5432/db or mysql://user:password@host:3306/db'),
          name: z.string().max(200).optional(),
          cluster: z.string().max(200).optional(),
        }),
      ),
      /** The built-in `host` source: this machine's /proc and /sys, named as the Collector's hostmetrics receiver names them. */
      host: z.object({
        enabled: z.boolean({ error: 'expected 1/0, true/false, yes/no or on/off' }),
        intervalMs: z.coerce.number().int().min(1_000, 'expected at least 1000 ms').max(300_000, 'expected at most 300000 ms'),
        /** Processes with process.* metrics per reading (the busiest by CPU, then by memory). */
        topProcesses: z.coerce.number().int().min(0).max(500, 'expected at most 500 processes'),
      }),
    }),
  })
  .superRefine((cfg, ctx) => {
    const ids = cfg.regions.map((r) => r.id);
    if (!ids.includes(cfg.defaultRegion)) {
      ctx.addIssue({ code: 'custom', path: ['defaultRegion'], message: `"${cfg.defaultRegion}" is not a configured region (${ids.join(', ')})` });
    }
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['regions'], message: 'region ids must be unique' });
    const dbs = cfg.regions.filter((r) => r.clickhouse.mode === 'embedded').map((r) => r.clickhouse.database);
    if (new Set(dbs).size !== dbs.length) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: 'embedded regions share one engine, so each needs its own clickhouse.database' });
    }
    if (cfg.bus.kind === 'kafka') {
      cfg.regions.forEach((r, i) => {
        if (!r.bus.kafka)
          ctx.addIssue({ code: 'custom', path: ['regions', i, 'bus', 'kafka'], message: `bus kind is kafka but region "${r.id}" has no kafka settings` });
      });
    }
    if (cfg.bus.kafka.heartbeatIntervalMs >= cfg.bus.kafka.sessionTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['bus', 'kafka', 'heartbeatIntervalMs'],
        message: 'must be below bus.kafka.sessionTimeoutMs (about a third of it)',
      });
    }
    if (cfg.alerting.tenantEvaluationConcurrency > cfg.alerting.evaluationConcurrency) {
      ctx.addIssue({ code: 'custom', path: ['alerting', 'tenantEvaluationConcurrency'], message: 'must be ≤ alerting.evaluationConcurrency' });
    }
    if (cfg.reads.maxRunningPerTenant > cfg.reads.maxRunning) {
      ctx.addIssue({ code: 'custom', path: ['reads', 'maxRunningPerTenant'], message: 'must be ≤ reads.maxRunning' });
    }
    if (cfg.intake.inflightBytes * cfg.intake.tenantInflightShare < Math.max(cfg.intake.maxBodyBytes, cfg.intake.maxGrpcMessageBytes)) {
      ctx.addIssue({
        code: 'custom',
        path: ['intake', 'inflightBytes'],
        message:
          'inflightBytes × tenantInflightShare must be ≥ intake.maxBodyBytes and intake.maxGrpcMessageBytes, or a request of the largest allowed size could never be read',
      });
    }
    if (cfg.ingester.retryMaxMs < cfg.ingester.retryInitialMs) {
      ctx.addIssue({ code: 'custom', path: ['ingester', 'retryMaxMs'], message: 'must be ≥ ingester.retryInitialMs' });
    }
  });

export type MeridianConfig = z.infer<typeof configSchema>;
export type RegionConfig = z.infer<typeof regionSchema>;
