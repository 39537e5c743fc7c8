import { Inject, Injectable } from '@nestjs/common';
import { USAGE_MAX_DAYS, type IngestLimitsResponse, type IngestUsageResponse } from '@meridian/api-contract';
import { fieldError, type TenantAccess } from '@meridian/api-http';
import { INGEST_LIMIT_FIELDS, USAGE_SIGNALS } from '@meridian/domain';
import { TenantLimitsRepository, UsageRepository, utcDay, type TenantIngestLimitOverrides } from '@meridian/control-plane';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { mapErrors } from './http-errors';

const DAY_MS = 86_400_000;
/** The usage page's default window: today and the 29 days before. */
const DEFAULT_USAGE_DAYS = 30;

/**
 * A tenant's ingest limits (the operator's overrides merged with the configured defaults) and
 * its metered usage. Who may call what is the access guard's business (viewers read, only the
 * operator writes); this service holds the rules about the values.
 */
@Injectable()
export class IngestLimitsService {
  constructor(
    @Inject(TenantLimitsRepository) private readonly limits: TenantLimitsRepository,
    @Inject(UsageRepository) private readonly usage: UsageRepository,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  async getLimits(t: TenantAccess): Promise<IngestLimitsResponse> {
    return this.#effective(await this.limits.get(t.tenantId));
  }

  /** Replaces the overrides (audited by the repository, with the values before and after). */
  async setLimits(t: TenantAccess, overrides: TenantIngestLimitOverrides): Promise<IngestLimitsResponse> {
    return this.#effective(await mapErrors(() => this.limits.set(t.tenantId, overrides, t.actor)));
  }

  async getUsage(t: TenantAccess, query: { from?: string; to?: string }, now = new Date()): Promise<IngestUsageResponse> {
    const today = utcDay(now);
    const to = query.to ?? today;
    const from = query.from ?? utcDay(new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_USAGE_DAYS - 1) * DAY_MS));
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (days < 1) throw fieldError([{ field: 'query.from', message: `must not be after query.to (${to})` }]);
    if (days > USAGE_MAX_DAYS)
      throw fieldError([{ field: 'query.from', message: `the range may cover at most ${USAGE_MAX_DAYS} days; it covers ${days}. Ask for a shorter range.` }]);

    const rows = await this.usage.list(t.tenantId, from, to);
    const totals = USAGE_SIGNALS.map((signal) => ({ signal, acceptedItems: 0, acceptedBytes: 0, rejectedItems: 0, throttledItems: 0, throttledBytes: 0 }));
    for (const r of rows) {
      const sum = totals[USAGE_SIGNALS.indexOf(r.signal)];
      sum.acceptedItems += r.acceptedItems;
      sum.acceptedBytes += r.acceptedBytes;
      sum.rejectedItems += r.rejectedItems;
      sum.throttledItems += r.throttledItems;
      sum.throttledBytes += r.throttledBytes;
    }
    return {
      from,
      to,
      today,
      days: rows.map(({ tenantId: _tenant, ...row }) => row),
      totals,
    };
  }

  #effective(overrides: TenantIngestLimitOverrides): IngestLimitsResponse {
    const defaults = this.options.ingestLimits;
    const limit = (field: (typeof INGEST_LIMIT_FIELDS)[number]) => ({
      effective: overrides[field] ?? defaults[field],
      default: defaults[field],
      override: overrides[field],
    });
    return {
      spansPerSecond: limit('spansPerSecond'),
      dataPointsPerSecond: limit('dataPointsPerSecond'),
      logRecordsPerSecond: limit('logRecordsPerSecond'),
      bytesPerSecond: limit('bytesPerSecond'),
      burstSeconds: defaults.burstSeconds,
    };
  }
}
