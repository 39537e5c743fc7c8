import { Module } from '@nestjs/common';
import {
  ClickHouseClients,
  DatabaseHealthQueries,
  HostQueries,
  KubernetesQueries,
  LogSearchQueries,
  MetricExplorerQueries,
  ServiceMapQueries,
  SqlStatisticsQueries,
  TraceSearchQueries,
} from '@meridian/storage-clickhouse';
import { DatabaseController } from './database.controller';
import { HostController } from './host.controller';
import { KubernetesController } from './kubernetes.controller';
import { LogSearchController } from './log-search.controller';
import { MetricExplorerController } from './metric-explorer.controller';
import { ServiceMapController } from './service-map.controller';
import { TelemetryController } from './telemetry.controller';
import { TraceSearchController } from './trace-search.controller';

const onClickHouse = <T>(Queries: new (c: ClickHouseClients) => T) => ({
  provide: Queries,
  useFactory: (c: ClickHouseClients) => new Queries(c),
  inject: [ClickHouseClients],
});

/** The api role's telemetry reads. Needs TelemetryQueries from the app; access is checked by the auth module's guard. */
@Module({
  controllers: [
    TelemetryController,
    DatabaseController,
    TraceSearchController,
    ServiceMapController,
    LogSearchController,
    MetricExplorerController,
    HostController,
    KubernetesController,
  ],
  providers: [
    onClickHouse(SqlStatisticsQueries),
    onClickHouse(TraceSearchQueries),
    onClickHouse(ServiceMapQueries),
    onClickHouse(LogSearchQueries),
    onClickHouse(MetricExplorerQueries),
    onClickHouse(HostQueries),
    onClickHouse(KubernetesQueries),
    {
      provide: DatabaseHealthQueries,
      useFactory: (c: ClickHouseClients, sql: SqlStatisticsQueries) => new DatabaseHealthQueries(c, sql),
      inject: [ClickHouseClients, SqlStatisticsQueries],
    },
  ],
})
export class ReadApiModule {}
