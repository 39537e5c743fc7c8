import { Module } from '@nestjs/common';
import { ClickHouseClients, DatabaseQueries } from '@meridian/storage-clickhouse';
import { DatabaseController } from './database.controller';
import { TelemetryController } from './telemetry.controller';

/** The api role's telemetry reads. Needs TelemetryQueries from the app; access is checked by the auth module's guard. */
@Module({
  controllers: [TelemetryController, DatabaseController],
  providers: [{ provide: DatabaseQueries, useFactory: (c: ClickHouseClients) => new DatabaseQueries(c), inject: [ClickHouseClients] }],
})
export class QueryApiModule {}
