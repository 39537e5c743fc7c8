// The metrics a demo service reports alongside its spans: one instrument of each kind Meridian
// stores (counter, up-down counter, histogram, observable gauge / up-down counter), fed from the
// planned spans so metrics and traces tell the same story.

import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';
import type { PlannedSpan } from './plan';
import type { ServiceDef } from './scenarios';

export interface ServiceMetrics {
  /** records one span of this service */
  record(span: PlannedSpan): void;
  /** called once per transaction the service took part in */
  endTransaction(): void;
}

// Semantic-convention advice for http.server.request.duration, in seconds.
const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];
const MIB = 1024 * 1024;

export function createServiceMetrics(meter: Meter, service: ServiceDef): ServiceMetrics {
  const transactions: Counter = meter.createCounter('app.transactions', {
    description: 'Transactions handled, by route and outcome',
    unit: '{transaction}',
  });
  const requestDuration: Histogram = meter.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  });
  const processDuration: Histogram = meter.createHistogram('messaging.process.duration', {
    description: 'Duration of processing operations',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  });
  const dbDuration: Histogram = meter.createHistogram('db.client.operation.duration', {
    description: 'Duration of database client operations',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30] },
  });
  const connections: UpDownCounter = meter.createUpDownCounter('db.client.connection.count', {
    description: 'Connections in the pool, by state',
    unit: '{connection}',
  });

  // Simulated process state behind the observable instruments.
  let busyUs = 0;
  let lastObservedAt = Date.now();
  let handled = 0;
  meter.createObservableGauge('process.cpu.utilization', { description: 'CPU utilization of the process', unit: '1' }).addCallback((result) => {
    const now = Date.now();
    const windowUs = Math.max(1, now - lastObservedAt) * 1000;
    lastObservedAt = now;
    // Most of a request's wall time is waiting on I/O; ~15 % of it burns CPU on a 2-core pod.
    const utilization = Math.min(0.97, Math.max(0.01, 0.02 + (busyUs * 0.15) / (windowUs * 2)));
    busyUs = 0;
    result.observe(Number(utilization.toFixed(4)));
  });
  meter.createObservableUpDownCounter('process.memory.usage', { description: 'Resident memory of the process', unit: 'By' }).addCallback((result) => {
    // Sawtooth: grows with requests, drops at each (simulated) major GC.
    const heapGrowth = ((handled * 37 * 1024) % (96 * MIB)) | 0;
    result.observe(service.baseMemoryMiB * MIB + heapGrowth);
  });

  // Pools: per DB instance the service uses, how many connections are in use right now.
  const pools = new Map<string, { size: number; used: number; busyUs: number; attributes: Attributes }>();

  return {
    record(span) {
      const rec = span.record;
      if (rec.kind === 'entry') {
        const seconds = span.durationUs / 1e6;
        busyUs += span.durationUs;
        handled++;
        if (rec.endpoint.consumer) {
          processDuration.record(seconds, {
            'messaging.system': rec.endpoint.consumer.system,
            'messaging.destination.name': rec.endpoint.route,
            'messaging.operation.name': rec.endpoint.method,
            ...(rec.error ? { 'error.type': 'exception' } : {}),
          });
        } else {
          requestDuration.record(seconds, {
            'http.request.method': rec.endpoint.method,
            'http.route': rec.endpoint.route,
            'http.response.status_code': rec.status,
            'url.scheme': 'http',
            ...(rec.error ? { 'error.type': String(rec.status) } : {}),
          });
        }
        transactions.add(1, { 'app.route': rec.endpoint.route, 'app.outcome': rec.error ? 'error' : 'ok' });
      } else if (rec.kind === 'db') {
        const base = {
          'db.system.name': rec.db.system,
          'db.namespace': rec.db.namespace,
          'server.address': rec.db.host,
          'server.port': rec.db.port,
        };
        dbDuration.record(span.durationUs / 1e6, {
          ...base,
          'db.operation.name': rec.operation,
          'db.collection.name': rec.table,
          ...(rec.error ? { 'error.type': 'db_error' } : {}),
        });
        let pool = pools.get(rec.dbId);
        if (!pool) {
          const attributes = { ...base, 'db.client.connection.pool.name': `${service.name}/${rec.dbId}` };
          pool = { size: rec.db.poolSize, used: 0, busyUs: 0, attributes };
          pools.set(rec.dbId, pool);
          connections.add(pool.size, { ...attributes, 'db.client.connection.state': 'idle' });
        }
        pool.busyUs += span.durationUs;
      }
    },
    endTransaction() {
      for (const pool of pools.values()) {
        // Long-held connections (lock waits, big reports) pile up; fast queries hardly register.
        const used = Math.min(pool.size, 1 + Math.floor(pool.busyUs / 250_000));
        const delta = used - pool.used;
        if (delta !== 0) {
          connections.add(delta, { ...pool.attributes, 'db.client.connection.state': 'used' });
          connections.add(-delta, { ...pool.attributes, 'db.client.connection.state': 'idle' });
          pool.used = used;
        }
        pool.busyUs = 0;
      }
    },
  };
}
