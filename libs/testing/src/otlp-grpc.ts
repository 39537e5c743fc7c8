import * as grpc from '@grpc/grpc-js';

/**
 * One OTLP/gRPC trace Export of exactly these bytes (no client-side encoding, so tests can send
 * what an exporter never would), with the ingest key if given. Resolves to the call's error, or null.
 */
export function grpcTraceExport(port: number, body: Buffer, key?: string): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  if (key) md.set('authorization', `Bearer ${key}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md,
      (err) => (client.close(), resolve(err)),
    );
  });
}
