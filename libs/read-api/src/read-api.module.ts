import { Module } from '@nestjs/common';
import { ClickHouseClients, DatabaseHealthQueries, SqlStatisticsQueries } from '@meridian/storage-clickhouse';
import { DatabaseController } from './database.controller';
import { TelemetryController } from './telemetry.controller';

/** The api role's telemetry reads. Needs TelemetryQueries from the app; access is checked by the auth module's guard. */
@Module({
  controllers: [TelemetryController, DatabaseController],
  providers: [
    { provide: SqlStatisticsQueries, useFactory: (c: ClickHouseClients) => new SqlStatisticsQueries(c), inject: [ClickHouseClients] },
    {
      provide: DatabaseHealthQueries,
      useFactory: (c: ClickHouseClients, sql: SqlStatisticsQueries) => new DatabaseHealthQueries(c, sql),
      inject: [ClickHouseClients, SqlStatisticsQueries],
    },
  ],
})
export class ReadApiModule {}
