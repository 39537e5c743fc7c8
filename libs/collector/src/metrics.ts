import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { DB_METRICS } from '@meridian/domain';
import { type DbSnapshot, gauge, type Reading } from './snapshot';

export const COLLECTOR_SCOPE = { name: '@meridian/collector', version: '1.0.0' };

/** Resource of one monitored instance: the attributes the receivers use plus Meridian's grouping. */
export function instanceResource(s: Pick<DbSnapshot, 'target' | 'system'>): Record<string, string | number> {
  const t = s.target;
  const attrs: Record<string, string | number> = {
    'service.name': 'meridian-db-collector',
    'service.instance.id': t.instance,
    'server.address': t.host,
    'server.port': t.port,
    'db.system.name': s.system,
    'db.system': s.system,
    'meridian.db.name': t.name,
  };
  if (t.cluster) attrs['meridian.db.cluster'] = t.cluster;
  if (t.kind === 'mysql') attrs['mysql.instance.endpoint'] = t.instance;
  else attrs['postgresql.database.name'] = t.database;
  return attrs;
}

/** Everything one poll of one instance reports, as SDK metric data ready for the OTLP exporter. */
export function snapshotToResourceMetrics(s: DbSnapshot, startMs: number): ResourceMetrics {
  const readings: Reading[] = [
    gauge(DB_METRICS.up, '1', 'Whether the collector could read the instance (1) or not (0).', [
      { attributes: s.error ? { error: s.error.slice(0, 200) } : {}, value: s.up ? 1 : 0 },
    ]),
  ];
  if (s.up) {
    const connections = Object.values(s.sessionsByState).reduce((a, b) => a + b, 0);
    readings.push(
      ...s.readings,
      gauge(
        DB_METRICS.sessions,
        '{sessions}',
        'Client sessions by state (active, idle, idle in transaction, waiting).',
        // active and waiting always, so "no active session" reads 0, not "not reported".
        Object.entries({ active: 0, waiting: 0, ...s.sessionsByState }).map(([state, value]) => ({ attributes: { state }, value })),
      ),
      gauge(DB_METRICS.connections, '{connections}', 'Client connections.', [{ attributes: {}, value: connections }]),
      gauge(DB_METRICS.connectionsMax, '{connections}', 'Configured maximum number of client connections.', [{ attributes: {}, value: s.maxConnections }]),
      gauge(DB_METRICS.lockWaits, '{sessions}', 'Sessions waiting for a lock.', [{ attributes: {}, value: s.lockWaits }]),
      gauge(
        DB_METRICS.session,
        's',
        'Non-idle sessions: seconds in the current statement.',
        s.sessions.map((x) => ({
          attributes: {
            'db.session.id': x.id,
            'user.name': x.user,
            'db.namespace': x.database,
            state: x.state,
            wait_event: x.waitEvent,
            'db.query.fingerprint': x.query,
            blocked_by: x.blockedBy.join(','),
          },
          value: x.seconds,
        })),
      ),
      gauge(
        DB_METRICS.blocking,
        's',
        'Blocking chain edges: the blocked session waits for a lock the blocking one holds.',
        s.blocking.map((e) => ({
          attributes: {
            'blocked.id': e.blockedId,
            'blocking.id': e.blockingId,
            'blocked.query': e.blockedQuery,
            'blocking.query': e.blockingQuery,
            'lock.type': e.lockType,
            'lock.mode': e.lockMode,
            relation: e.relation,
          },
          value: e.waitSeconds,
        })),
      ),
    );
    const stmt = (value: (x: DbSnapshot['statements'][number]) => number) =>
      s.statements.map((x) => ({ attributes: { 'db.query.id': x.id, 'db.query.fingerprint': x.query }, value: value(x) }));
    if (s.statements.length) {
      readings.push(
        {
          name: DB_METRICS.statementCalls,
          type: 'counter',
          unit: '{calls}',
          description: 'Server-side executions per statement (top by total time).',
          points: stmt((x) => x.calls),
        },
        {
          name: DB_METRICS.statementTime,
          type: 'counter',
          unit: 'ms',
          description: 'Server-side execution time per statement.',
          points: stmt((x) => x.totalMs),
        },
        {
          name: DB_METRICS.statementRows,
          type: 'counter',
          unit: '{rows}',
          description: 'Rows returned or affected per statement.',
          points: stmt((x) => x.rows),
        },
        { name: DB_METRICS.statementErrors, type: 'counter', unit: '{errors}', description: 'Errors per statement.', points: stmt((x) => x.errors) },
      );
    }
  }
  const start = hrTime(startMs);
  const end = hrTime(s.takenAtMs);
  const metrics: MetricData[] = readings
    .filter((r) => r.points.length > 0)
    .map((r) => {
      const descriptor = { name: r.name, description: r.description, unit: r.unit, valueType: ValueType.DOUBLE };
      const dataPoints = r.points.map((p) => ({
        startTime: r.type === 'gauge' ? end : start,
        endTime: end,
        attributes: p.attributes as Attributes,
        value: p.value,
      }));
      if (r.type === 'gauge') return { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints };
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: r.type === 'counter',
        dataPoints,
      };
    });
  return { resource: resourceFromAttributes(instanceResource(s)), scopeMetrics: [{ scope: COLLECTOR_SCOPE, metrics }] };
}

function hrTime(ms: number): HrTime {
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
