import { Module } from '@nestjs/common';
import { TelemetryController } from './telemetry.controller';

/** The api role's telemetry reads. Needs TelemetryQueries from the app; access is checked by the auth module's guard. */
@Module({ controllers: [TelemetryController] })
export class QueryApiModule {}
