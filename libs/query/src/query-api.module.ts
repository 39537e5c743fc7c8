import { Module } from '@nestjs/common';
import { TelemetryController } from './telemetry.controller';
import { TenantAccessGuard } from './tenant-access.guard';

/** The api role's read endpoints. Needs TelemetryQueries and API_KEY_VERIFIER from the app. */
@Module({ controllers: [TelemetryController], providers: [TenantAccessGuard] })
export class QueryApiModule {}
