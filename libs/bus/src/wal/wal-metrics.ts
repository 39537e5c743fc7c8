import { counter, gauge, histogram, type SelfMetrics } from '@meridian/self-metrics';

/** The inline bus's write-ahead log metrics (`meridian_bus_wal_*`), per region. */
export function walMetrics(registry: SelfMetrics) {
  const labelNames = ['region'] as const;
  return {
    bytes: gauge(registry, {
      name: 'meridian_bus_wal_bytes',
      help: 'Bytes of write-ahead log segments on disk (acknowledged ones until their segment is deleted)',
      labelNames,
    }),
    writtenBytes: counter(registry, { name: 'meridian_bus_wal_written_bytes_total', help: 'Bytes appended to the write-ahead log', labelNames }),
    fsyncs: counter(registry, { name: 'meridian_bus_wal_fsyncs_total', help: 'fdatasync calls of the write-ahead log (one per group commit)', labelNames }),
    fsyncSeconds: histogram(registry, {
      name: 'meridian_bus_wal_fsync_seconds',
      help: 'Latency of write-ahead log fdatasync',
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    }),
    replayed: counter(registry, {
      name: 'meridian_bus_wal_replayed_messages_total',
      help: 'Unacknowledged messages read back from the write-ahead log at start and delivered again',
      labelNames,
    }),
    full: counter(registry, {
      name: 'meridian_bus_wal_full_total',
      help: 'Publishes refused (503) because the write-ahead log reached bus.wal.maxBytes',
      labelNames,
    }),
    truncatedBytes: counter(registry, {
      name: 'meridian_bus_wal_truncated_bytes_total',
      help: 'Bytes of torn or corrupt write-ahead log tails cut off at start',
      labelNames,
    }),
  };
}

export type WalMetrics = ReturnType<typeof walMetrics>;
