/**
 * @meridian/otlp/testing — the generated OTLP codecs, for specs, e2e and bench that build
 * export requests or read what an exporter sent. Production code decodes through the index.
 */
export {
  ExportLogsServiceRequest,
  ExportLogsServiceResponse,
  ExportMetricsServiceRequest,
  ExportMetricsServiceResponse,
  ExportTraceServiceRequest,
  ExportTraceServiceResponse,
  type MessageCodec,
} from './proto';
export { tracePayloads } from './sdk-payloads.fixture';
