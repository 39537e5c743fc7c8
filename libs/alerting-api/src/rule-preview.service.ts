import { Inject, Injectable } from '@nestjs/common';
import { breachOf, PREVIEW_MAX_POINTS, type AlertRuleDefinition, type ApiRoutes, type ResponseOf } from '@meridian/api-contract';
import { fieldError, type TenantAccess } from '@meridian/api-http';
import { AlertQueries, QueryValidationError } from '@meridian/storage-clickhouse';

type Preview = ResponseOf<ApiRoutes['previewAlertRule']>;

/** Evaluations in flight at once for one preview: the region's engine serves other readers too. */
const CONCURRENCY = 4;

/**
 * What an unsaved rule would have seen: its metric measured by the alerter's own query (same
 * window, same filters) at evenly spaced moments over the last hours, each judged against the
 * thresholds as the alerter judges it. At most PREVIEW_MAX_POINTS measurements per call.
 */
@Injectable()
export class RulePreviewService {
  constructor(@Inject(AlertQueries) private readonly queries: AlertQueries) {}

  async preview(t: TenantAccess, rule: AlertRuleDefinition, hours: number, now = new Date()): Promise<Preview> {
    const stepSeconds = (hours * 3600) / PREVIEW_MAX_POINTS;
    const moments = Array.from({ length: PREVIEW_MAX_POINTS }, (_, i) => new Date(now.getTime() - (PREVIEW_MAX_POINTS - 1 - i) * stepSeconds * 1000));
    const points: Preview['points'] = [];
    for (let i = 0; i < moments.length; i += CONCURRENCY) {
      const batch = moments.slice(i, i + CONCURRENCY);
      // The definition's filter fields are named as AlertQuery names them, as the alerter passes them.
      const measured = await Promise.all(batch.map((at) => this.measure(t, { ...rule, now: at })));
      batch.forEach((at, j) => points.push({ at: at.toISOString(), value: measured[j], breach: breachOf(rule, measured[j]) }));
    }
    return { stepSeconds, points };
  }

  private async measure(t: TenantAccess, q: Parameters<AlertQueries['measure']>[2]): Promise<number | null> {
    try {
      return (await this.queries.measure(t.region, t.tenantId, q)).value;
    } catch (e) {
      if (e instanceof QueryValidationError) throw fieldError([{ field: `body.rule.${e.field}`, message: e.message }]);
      throw e;
    }
  }
}
