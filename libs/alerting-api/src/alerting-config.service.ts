import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  ChannelSender,
  checkTargetHost,
  checkTargetUrl,
  openChannel,
  sealChannel,
  SecretBox,
  TargetRefusedError,
  TargetUnresolvedError,
} from '@meridian/alert-channels';
import type { AlertChannelBody, AlertRuleBody, ApiRoutes, ParsedInput, ResponseOf, RouteName } from '@meridian/api-contract';
import { fieldError, type TenantAccess } from '@meridian/api-http';
import {
  AlertChannelRepository,
  AlertOutboxRepository,
  AlertRuleCapError,
  AlertRuleRepository,
  AlertSilenceRepository,
  AuditLogRepository,
  ControlPlaneTransactions,
  type NewAlertRule,
} from '@meridian/control-plane';
import { ALERTING_API_OPTIONS, type AlertingApiOptions } from './alerting-api.options';
import { channelView, deliveryView, eventView, ruleView, silenceView } from './alerting.views';

/** What route `K` answers, as its contract says. */
export type Answer<K extends RouteName> = Promise<ResponseOf<ApiRoutes[K]>>;
/** The parsed input (params, query, body) of route `K`. */
export type InputOf<K extends RouteName> = ParsedInput<ApiRoutes[K]>;
type FieldWarning = { field: string; message: string };

/**
 * A tenant's alert rules, channels and silences, their history and deliveries: the rules about
 * them (channel keys must exist, the rule cap, public targets only) and the audit of each change.
 */
@Injectable()
export class AlertingConfigService {
  constructor(
    @Inject(AlertRuleRepository) private readonly rules: AlertRuleRepository,
    @Inject(AlertChannelRepository) private readonly channels: AlertChannelRepository,
    @Inject(AlertSilenceRepository) private readonly silences: AlertSilenceRepository,
    @Inject(AlertOutboxRepository) private readonly outbox: AlertOutboxRepository,
    @Inject(AuditLogRepository) private readonly audit: AuditLogRepository,
    @Inject(ControlPlaneTransactions) private readonly transactions: ControlPlaneTransactions,
    @Inject(SecretBox) private readonly box: SecretBox,
    @Inject(ChannelSender) private readonly sender: ChannelSender,
    @Inject(ALERTING_API_OPTIONS) private readonly options: AlertingApiOptions,
  ) {}

  // --- rules ----------------------------------------------------------------------------------
  async listRules(t: TenantAccess): Answer<'listAlertRules'> {
    return { rules: await this.rulesWithState(t.tenantId) };
  }

  async putRule(t: TenantAccess, body: AlertRuleBody): Answer<'putAlertRule'> {
    const known = new Set((await this.channels.list(t.tenantId)).map((c) => c.key));
    checkChannelKeys(body, known, 'body.channels');
    const { rule } = await capped('body.key', () => this.rules.upsert(t.tenantId, toNewRule(body), { maxRules: this.options.maxRulesPerTenant }));
    await this.record(t, 'alert_rule.put', `alert_rule:${rule.id}`, { key: rule.key });
    return ruleView(rule, await this.rules.getState(t.tenantId, rule.id));
  }

  async getRule(t: TenantAccess, ruleId: string): Answer<'getAlertRule'> {
    const rule = await this.rules.get(t.tenantId, ruleId);
    if (!rule) throw noRule(ruleId);
    return ruleView(rule, await this.rules.getState(t.tenantId, rule.id));
  }

  async deleteRule(t: TenantAccess, ruleId: string): Promise<void> {
    if (!(await this.rules.delete(t.tenantId, ruleId))) throw noRule(ruleId);
    await this.record(t, 'alert_rule.delete', `alert_rule:${ruleId}`, {});
  }

  async history(t: TenantAccess, ruleId: string, limit: number): Answer<'alertRuleHistory'> {
    if (!(await this.rules.get(t.tenantId, ruleId))) throw noRule(ruleId);
    return { events: (await this.rules.listEvents(t.tenantId, ruleId, limit)).map(eventView) };
  }

  async firing(t: TenantAccess): Answer<'listFiringAlerts'> {
    const rows = await this.rules.listFiring(t.tenantId);
    return {
      alerts: rows.map(({ rule, state }) => ({
        ruleId: rule.id,
        key: rule.key,
        name: rule.name,
        severity: state.severity,
        since: state.since?.toISOString() ?? null,
        value: state.lastValue,
      })),
    };
  }

  // --- channels -------------------------------------------------------------------------------
  async listChannels(t: TenantAccess): Answer<'listAlertChannels'> {
    return { channels: (await this.channels.list(t.tenantId)).map(channelView) };
  }

  async putChannel(t: TenantAccess, body: AlertChannelBody): Answer<'putAlertChannel'> {
    const warnings = await this.checkTarget(body, 'body');
    const { channel } = await this.channels.upsert(t.tenantId, sealChannel(this.box, t.tenantId, body));
    await this.record(t, 'alert_channel.put', `alert_channel:${channel.id}`, { key: channel.key, kind: channel.kind });
    return warnings.length ? { ...channelView(channel), warnings } : channelView(channel);
  }

  async deleteChannel(t: TenantAccess, channelId: string): Promise<void> {
    if (!(await this.channels.delete(t.tenantId, channelId))) throw noChannel(channelId);
    await this.record(t, 'alert_channel.delete', `alert_channel:${channelId}`, {});
  }

  /** Sends at once (not through the outbox) so the user sees the result, the error included. */
  async testChannel(t: TenantAccess, channelId: string): Answer<'testAlertChannel'> {
    const channel = await this.channels.get(t.tenantId, channelId);
    if (!channel) throw noChannel(channelId);
    const now = new Date().toISOString();
    try {
      await this.sender.send(openChannel(this.box, channel), {
        kind: 'test',
        tenantSlug: t.tenantSlug,
        region: t.region,
        ruleId: null,
        ruleName: 'test',
        severity: null,
        metricLabel: '',
        unit: '',
        direction: 'above',
        threshold: null,
        value: null,
        since: now,
        at: now,
        link: `${this.options.publicUrl.replace(/\/+$/, '')}/hitmap?tenant=${encodeURIComponent(t.tenantSlug)}`,
      });
      return { ok: true };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  async deliveries(t: TenantAccess, query: InputOf<'listAlertDeliveries'>['query']): Answer<'listAlertDeliveries'> {
    return { deliveries: (await this.outbox.list(t.tenantId, query)).map(deliveryView) };
  }

  // --- silences -------------------------------------------------------------------------------
  async listSilences(t: TenantAccess): Answer<'listAlertSilences'> {
    return { silences: (await this.silences.list(t.tenantId)).map(silenceView) };
  }

  async createSilence(t: TenantAccess, body: InputOf<'createAlertSilence'>['body']): Answer<'createAlertSilence'> {
    if (body.ruleId && !(await this.rules.get(t.tenantId, body.ruleId))) {
      throw fieldError([{ field: 'body.ruleId', message: 'no such rule in this tenant' }]);
    }
    const silence = await this.silences.create(t.tenantId, {
      ruleId: body.ruleId ?? null,
      reason: body.reason,
      startsAt: body.startsAt ? new Date(body.startsAt) : new Date(),
      endsAt: new Date(body.endsAt),
      createdBy: t.actor,
    });
    await this.record(t, 'alert_silence.create', `alert_silence:${silence.id}`, { ruleId: silence.ruleId, endsAt: silence.endsAt.toISOString() });
    return silenceView(silence);
  }

  async deleteSilence(t: TenantAccess, silenceId: string): Promise<void> {
    if (!(await this.silences.delete(t.tenantId, silenceId))) throw new NotFoundException(`silenceId: no silence ${silenceId} in this tenant`);
    await this.record(t, 'alert_silence.delete', `alert_silence:${silenceId}`, {});
  }

  // --- bulk -----------------------------------------------------------------------------------
  async exportAll(t: TenantAccess): Answer<'exportAlerting'> {
    return { channels: (await this.channels.list(t.tenantId)).map(channelView), rules: await this.rulesWithState(t.tenantId) };
  }

  /** All or nothing: every target and channel reference is checked before one transaction writes. */
  async importAll(t: TenantAccess, body: InputOf<'importAlerting'>['body']): Answer<'importAlerting'> {
    const warnings: FieldWarning[] = [];
    for (const [i, c] of body.channels.entries()) warnings.push(...(await this.checkTarget(c, `body.channels.${i}`)));
    const known = new Set([...(await this.channels.list(t.tenantId)).map((c) => c.key), ...body.channels.map((c) => c.key)]);
    body.rules.forEach((r, i) => checkChannelKeys(r, known, `body.rules.${i}.channels`));
    const counts = { channels: { created: 0, updated: 0 }, rules: { created: 0, updated: 0 } };
    const maxRules = this.options.maxRulesPerTenant;
    await capped('body.rules', () =>
      this.transactions.run(async () => {
        for (const c of body.channels)
          counts.channels[(await this.channels.upsert(t.tenantId, sealChannel(this.box, t.tenantId, c))).created ? 'created' : 'updated']++;
        for (const r of body.rules) counts.rules[(await this.rules.upsert(t.tenantId, toNewRule(r), { maxRules })).created ? 'created' : 'updated']++;
        await this.record(t, 'alerting.import', `tenant:${t.tenantId}`, counts);
      }),
    );
    return warnings.length ? { ...counts, warnings } : counts;
  }

  private async rulesWithState(tenantId: string) {
    return (await this.rules.listWithState(tenantId)).map(({ rule, state }) => ruleView(rule, state));
  }

  /**
   * Refuses a private target (400 naming the field). A name that does not resolve right now is
   * saved with a warning: DNS may be briefly down, and every send re-checks what it connects to.
   */
  private async checkTarget(c: AlertChannelBody, at: string): Promise<FieldWarning[]> {
    const field = `${at}.${c.kind === 'email' ? 'smtpUrl' : 'url'}`;
    try {
      if (c.kind === 'email') await checkTargetHost(new URL(c.smtpUrl).hostname, this.options.allowTargets);
      else await checkTargetUrl(c.url, this.options.allowTargets);
      return [];
    } catch (e) {
      if (e instanceof TargetUnresolvedError) return [{ field, message: `${e.message}; saved anyway, and checked again at every send` }];
      if (!(e instanceof TargetRefusedError)) throw e;
      throw fieldError([{ field, message: e.message }]);
    }
  }

  private record(t: TenantAccess, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    return this.audit.record({ tenantId: t.tenantId, actor: t.actor, action, target, details });
  }
}

const noRule = (ruleId: string) => new NotFoundException(`ruleId: no rule ${ruleId} in this tenant`);
const noChannel = (channelId: string) => new NotFoundException(`channelId: no channel ${channelId} in this tenant`);

/** Turns the rule cap into a 400 naming `field` and the cap (an import then writes nothing). */
async function capped<T>(field: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (!(e instanceof AlertRuleCapError)) throw e;
    throw fieldError([
      {
        field,
        message: `a tenant may have at most ${e.cap} alert rules (server setting alerting.maxRulesPerTenant); delete rules first or reuse existing keys`,
      },
    ]);
  }
}

function checkChannelKeys(rule: AlertRuleBody, known: ReadonlySet<string>, field: string): void {
  const unknown = rule.channels.filter((k) => !known.has(k));
  if (unknown.length) {
    const message = `unknown channel key(s) ${unknown.join(', ')}; create the channels first`;
    throw fieldError([{ field, message }]);
  }
}

function toNewRule(body: AlertRuleBody): NewAlertRule {
  const { key, name, enabled, ...definition } = body;
  return { key, name, enabled, definition };
}
