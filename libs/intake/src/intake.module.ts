import { type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import { BUS, type Bus } from '@meridian/bus';
import type { ItemLimits } from '@meridian/otlp';
import { SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { sqlFingerprintReady } from '@meridian/sql-fingerprint';
import { IntakeService } from './intake.service';
import { EncodePool } from './encode-pool';
import { CachingKeyVerifier, INGEST_KEY_VERIFIER, type IngestKeyVerifier } from './key-verifier';
import { OtlpGrpcServer } from './otlp-grpc.server';
import { OtlpHttpServer } from './otlp-http.server';
import { RequestGuard, type RequestGuardOptions } from './request-guard';
import { type IngestLimits, TenantIngestLimiter } from './tenant-ingest-limiter';
import { USAGE_SINK, UsageFlusher, UsageMeter, type UsageSink } from './usage-meter';

export interface IntakeModuleOptions {
  host: string;
  httpPort: number;
  grpcPort: number;
  maxBodyBytes: number;
  /** OTLP/gRPC message limit after decompression (grpc-js inflates a whole message before the handler sees it). */
  maxGrpcMessageBytes: number;
  keyCacheMs: number;
  /** Per-request decode limits and the in-flight byte budget (see RequestGuard). */
  requestLimits: RequestGuardOptions['requestLimits'];
  inflightBytes: number;
  tenantInflightShare: number;
  /** Worker threads for decoding and encoding (EncodePool); 0 = the main thread. */
  encodeThreads: number;
  /** Per-tenant defaults; overrides come with each key's identity. */
  limits: IngestLimits & { burstSeconds: number };
  /** Intakes sharing the traffic: each enforces limit / replicas. */
  replicas: number;
  usageFlushMs: number;
  /** Per-item limits and the future-skew window applied while decoding. */
  itemLimits: ItemLimits;
}
const INTAKE_OPTIONS = Symbol('IntakeModuleOptions');

/** Starts the OTLP receivers when the app is up and stops them first on shutdown. */
@Injectable()
export class IntakeServers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('intake');
  private readonly http: OtlpHttpServer;
  private readonly grpc: OtlpGrpcServer;
  private readonly usage: UsageFlusher | undefined;
  private readonly encoder: EncodePool | undefined;
  readonly ports = { http: 0, grpc: 0 };

  constructor(
    @Inject(BUS) bus: Bus,
    @Inject(INGEST_KEY_VERIFIER) keys: IngestKeyVerifier,
    @Inject(INTAKE_OPTIONS) private readonly opts: IntakeModuleOptions,
    @Optional() @Inject(SELF_METRICS) metrics?: SelfMetrics,
    @Optional() @Inject(USAGE_SINK) usageSink?: UsageSink,
  ) {
    const { burstSeconds, ...defaults } = opts.limits;
    const limiter = new TenantIngestLimiter({ defaults, burstSeconds, replicas: opts.replicas });
    const meter = new UsageMeter();
    const log = (line: string) => this.logger.error(line);
    this.usage = usageSink && new UsageFlusher(meter, usageSink, { intervalMs: opts.usageFlushMs, log });
    this.encoder = opts.encodeThreads > 0 ? new EncodePool(opts.encodeThreads, log) : undefined;
    const intake = new IntakeService(bus, metrics, { limiter, usage: this.usage && meter }, opts.itemLimits, this.encoder);
    const cached = new CachingKeyVerifier(keys, opts.keyCacheMs);
    const guard = new RequestGuard(
      { requestLimits: opts.requestLimits, inflightBytes: opts.inflightBytes, tenantInflightShare: opts.tenantInflightShare },
      metrics,
    );
    this.http = new OtlpHttpServer(intake, cached, { host: opts.host, port: opts.httpPort, maxBodyBytes: opts.maxBodyBytes, guard, log });
    this.grpc = new OtlpGrpcServer(intake, cached, { host: opts.host, port: opts.grpcPort, maxBodyBytes: opts.maxGrpcMessageBytes, guard, log });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Listen only once SQL is fingerprinted the one way it always will be (issue: a statement
    // seen in the first milliseconds got a second key).
    await (this.encoder ? this.encoder.ready() : sqlFingerprintReady());
    try {
      this.ports.http = await this.http.start();
      this.ports.grpc = await this.grpc.start();
    } catch (e) {
      throw new Error(`failed to start intake on ${this.opts.host} (http ${this.opts.httpPort}, grpc ${this.opts.grpcPort}): ${(e as Error).message}`);
    }
    this.logger.log(`OTLP/HTTP on :${this.ports.http}, OTLP/gRPC on :${this.ports.grpc}`);
    this.usage?.start();
  }

  /** First shutdown phase: stop taking data, so the ingester can drain what was accepted. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.http.stop(), this.grpc.stop()]);
    await this.encoder?.close(); // the servers answered every request they took
    await this.usage?.stop(); // the last counts, before the control plane closes (application shutdown)
  }
}

@Module({})
export class IntakeModule {
  static forRoot(options: IntakeModuleOptions): DynamicModule {
    return { module: IntakeModule, providers: [{ provide: INTAKE_OPTIONS, useValue: options }, IntakeServers], exports: [IntakeServers] };
  }
}
