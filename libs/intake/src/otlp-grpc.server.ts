import * as grpc from '@grpc/grpc-js';
import { BusUnavailableError } from '@meridian/bus';
import { encodeExportResponse, OtlpDecodeError, type OtlpSignal, RequestLimitError } from '@meridian/otlp';
import type { IntakeService } from './intake.service';
import { retryInfoStatusDetails } from './grpc-retry-info';
import { type IngestKeyVerifier, presentedKey } from './key-verifier';
import { type BudgetReservation, defaultRequestGuard, InflightBudgetError, type RequestGuard } from './request-guard';
import { IngestThrottledError } from './tenant-ingest-limiter';

const SERVICES: ReadonlyArray<readonly [OtlpSignal, string]> = [
  ['traces', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
  ['metrics', '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'],
  ['logs', '/opentelemetry.proto.collector.logs.v1.LogsService/Export'],
];

/** Bytes in, bytes out: decoding happens in the handler so errors map to OTLP status codes. */
const passThrough = (b: Buffer) => b;

export interface OtlpGrpcOptions {
  host: string;
  port: number;
  /**
   * grpc-js refuses a larger message with RESOURCE_EXHAUSTED, also one that only inflates past
   * it: it gunzips as a stream and stops at this size (grpc-js 1.14, checked in e2e).
   */
  maxBodyBytes: number;
  /** In-flight byte budget and per-request decode limits, checked before decoding; default: defaultRequestGuard(). */
  guard?: RequestGuard;
  log?: (line: string) => void;
}

/** OTLP/gRPC receiver on 4317: the three collector services, gzip handled by grpc-js. */
export class OtlpGrpcServer {
  private server: grpc.Server | undefined;
  private readonly guard: RequestGuard;

  constructor(
    private readonly intake: IntakeService,
    private readonly keys: IngestKeyVerifier,
    private readonly options: OtlpGrpcOptions,
  ) {
    this.guard = options.guard ?? defaultRequestGuard();
  }

  async start(): Promise<number> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.options.maxBodyBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
    });
    for (const [signal, path] of SERVICES) {
      const definition: grpc.ServiceDefinition = {
        Export: {
          path,
          requestStream: false,
          responseStream: false,
          requestSerialize: passThrough,
          requestDeserialize: passThrough,
          responseSerialize: passThrough,
          responseDeserialize: passThrough,
        },
      };
      server.addService(definition, {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => void this.export(signal, call, cb),
      });
    }
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${this.options.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    return port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.forceShutdown(), 5_000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private async export(signal: OtlpSignal, call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): Promise<void> {
    let reservation: BudgetReservation | undefined;
    try {
      const first = (name: string) => {
        const v = call.metadata.get(name)[0];
        return v === undefined ? undefined : String(v);
      };
      const key = presentedKey(first('authorization'), first('x-meridian-key'));
      if (!key) return cb({ code: grpc.status.UNAUTHENTICATED, details: 'missing ingest key: send metadata "authorization: Bearer <key>"' });
      const who = await this.keys.verify(key);
      if (!who) return cb({ code: grpc.status.UNAUTHENTICATED, details: 'invalid or revoked ingest key' });
      // grpc-js has read the message already; counting it still keeps the bytes being decoded
      // and published bounded, and refuses more work while they are.
      reservation = this.guard.budget.reserve(who.tenantId);
      reservation.add(call.request.length);
      const counts = this.guard.checkBody(signal, 'protobuf', call.request);
      const result = await this.intake.accept(signal, 'protobuf', call.request, who);
      this.guard.accepted(signal, counts);
      const partial = result.rejected > 0 ? { rejected: result.rejected, errorMessage: result.errorMessage } : undefined;
      cb(null, encodeExportResponse(signal, 'protobuf', partial));
    } catch (e) {
      if (e instanceof OtlpDecodeError) return cb({ code: grpc.status.INVALID_ARGUMENT, details: e.message });
      if (e instanceof RequestLimitError) {
        this.guard.refused(signal, e.reason);
        return cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: e.message });
      }
      if (e instanceof InflightBudgetError) {
        this.guard.refused(signal, 'inflight_budget');
        const metadata = new grpc.Metadata();
        metadata.set('grpc-status-details-bin', retryInfoStatusDetails(grpc.status.UNAVAILABLE, e.message, e.retryAfterSeconds));
        return cb({ code: grpc.status.UNAVAILABLE, details: e.message, metadata });
      }
      if (e instanceof IngestThrottledError) {
        const metadata = new grpc.Metadata();
        metadata.set('grpc-status-details-bin', retryInfoStatusDetails(grpc.status.RESOURCE_EXHAUSTED, e.message, e.retryAfterSeconds));
        return cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: e.message, metadata });
      }
      // UNAVAILABLE is the code OTLP clients retry with backoff.
      if (e instanceof BusUnavailableError) return cb({ code: grpc.status.UNAVAILABLE, details: `${e.message}; retry later` });
      this.options.log?.(`intake(grpc): internal error: ${(e as Error)?.stack ?? String(e)}`);
      cb({ code: grpc.status.INTERNAL, details: 'internal error' });
    } finally {
      reservation?.release();
    }
  }
}
