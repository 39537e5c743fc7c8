import { Controller, Inject, NotFoundException } from '@nestjs/common';
import { API_ROUTES as R, type AlertChannelBody, type AlertRuleBody, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, fieldError, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { AlertingRepository, AlertRuleCapError, AuditLogRepository, ControlPlaneDb, type AlertRuleRecord, type AlertRuleStateRecord } from '@meridian/control-plane';
import { ALERTING_OPTIONS, type AlertingOptions } from './alerting-options';
import { ChannelSender } from './channel-sender';
import { channelView, openChannel, sealChannel } from './channel-codec';
import { SecretBox } from './secret-box';
import { checkTargetHost, checkTargetUrl, TargetRefusedError, TargetUnresolvedError } from './target-guard';

type In<K extends keyof typeof R> = ParsedInput<(typeof R)[K]>;
type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

/** Alert rules, channels, silences, history and deliveries of the caller's tenant. */
@Controller()
export class AlertingController {
  constructor(
    @Inject(ControlPlaneDb) private readonly cp: ControlPlaneDb,
    @Inject(SecretBox) private readonly box: SecretBox,
    @Inject(ChannelSender) private readonly sender: ChannelSender,
    @Inject(ALERTING_OPTIONS) private readonly options: AlertingOptions,
  ) {}

  private get repo(): AlertingRepository {
    return new AlertingRepository(this.cp);
  }

  // --- rules ----------------------------------------------------------------------------------
  @Endpoint(R.listAlertRules)
  async listRules(@TenantOf() t: TenantAccess): Out<'listAlertRules'> {
    return { rules: await this.rulesWithState(t.tenantId) };
  }

  @Endpoint(R.putAlertRule)
  async putRule(@TenantOf() t: TenantAccess, @Input() { body }: In<'putAlertRule'>): Out<'putAlertRule'> {
    const known = new Set((await this.repo.listChannels(t.tenantId)).map((c) => c.key));
    checkChannelKeys(body, known, 'body.channels');
    const { rule } = await capped('body.key', () => this.repo.upsertRule(t.tenantId, toNewRule(body), { maxRules: this.options.maxRulesPerTenant }));
    await this.audit(t, 'alert_rule.put', `alert_rule:${rule.id}`, { key: rule.key });
    return ruleView(rule, await this.repo.getRuleState(t.tenantId, rule.id));
  }

  @Endpoint(R.getAlertRule)
  async getRule(@TenantOf() t: TenantAccess, @Input() { params }: In<'getAlertRule'>): Out<'getAlertRule'> {
    const rule = await this.repo.getRule(t.tenantId, params.ruleId);
    if (!rule) throw new NotFoundException(`ruleId: no rule ${params.ruleId} in this tenant`);
    return ruleView(rule, await this.repo.getRuleState(t.tenantId, rule.id));
  }

  @Endpoint(R.deleteAlertRule)
  async deleteRule(@TenantOf() t: TenantAccess, @Input() { params }: In<'deleteAlertRule'>): Promise<void> {
    if (!(await this.repo.deleteRule(t.tenantId, params.ruleId))) throw new NotFoundException(`ruleId: no rule ${params.ruleId} in this tenant`);
    await this.audit(t, 'alert_rule.delete', `alert_rule:${params.ruleId}`, {});
  }

  @Endpoint(R.alertRuleHistory)
  async history(@TenantOf() t: TenantAccess, @Input() { params, query }: In<'alertRuleHistory'>): Out<'alertRuleHistory'> {
    if (!(await this.repo.getRule(t.tenantId, params.ruleId))) throw new NotFoundException(`ruleId: no rule ${params.ruleId} in this tenant`);
    const events = await this.repo.listEvents(t.tenantId, params.ruleId, query.limit);
    return { events: events.map((e) => ({ at: e.at.toISOString(), from: e.fromState, to: e.toState, severity: e.severity, value: e.value, threshold: e.threshold })) };
  }

  @Endpoint(R.listFiringAlerts)
  async firing(@TenantOf() t: TenantAccess): Out<'listFiringAlerts'> {
    const rows = await this.repo.listFiring(t.tenantId);
    return { alerts: rows.map(({ rule, state }) => ({ ruleId: rule.id, key: rule.key, name: rule.name, severity: state.severity, since: state.since?.toISOString() ?? null, value: state.lastValue })) };
  }

  // --- channels -------------------------------------------------------------------------------
  @Endpoint(R.listAlertChannels)
  async listChannels(@TenantOf() t: TenantAccess): Out<'listAlertChannels'> {
    return { channels: (await this.repo.listChannels(t.tenantId)).map(channelView) };
  }

  @Endpoint(R.putAlertChannel)
  async putChannel(@TenantOf() t: TenantAccess, @Input() { body }: In<'putAlertChannel'>): Out<'putAlertChannel'> {
    const warnings = await this.checkTarget(body, 'body');
    const { channel } = await this.repo.upsertChannel(t.tenantId, sealChannel(this.box, t.tenantId, body));
    await this.audit(t, 'alert_channel.put', `alert_channel:${channel.id}`, { key: channel.key, kind: channel.kind });
    return warnings.length ? { ...channelView(channel), warnings } : channelView(channel);
  }

  @Endpoint(R.deleteAlertChannel)
  async deleteChannel(@TenantOf() t: TenantAccess, @Input() { params }: In<'deleteAlertChannel'>): Promise<void> {
    if (!(await this.repo.deleteChannel(t.tenantId, params.channelId))) throw new NotFoundException(`channelId: no channel ${params.channelId} in this tenant`);
    await this.audit(t, 'alert_channel.delete', `alert_channel:${params.channelId}`, {});
  }

  /** Sends at once (not through the outbox) so the user sees the result, the error included. */
  @Endpoint(R.testAlertChannel)
  async testChannel(@TenantOf() t: TenantAccess, @Input() { params }: In<'testAlertChannel'>): Out<'testAlertChannel'> {
    const channel = await this.repo.getChannel(t.tenantId, params.channelId);
    if (!channel) throw new NotFoundException(`channelId: no channel ${params.channelId} in this tenant`);
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

  @Endpoint(R.listAlertDeliveries)
  async deliveries(@TenantOf() t: TenantAccess, @Input() { query }: In<'listAlertDeliveries'>): Out<'listAlertDeliveries'> {
    const rows = await this.repo.listNotifications(t.tenantId, query);
    return {
      deliveries: rows.map((n) => ({ id: n.id, ruleId: n.ruleId, channelId: n.channelId, kind: n.kind, status: n.status, attempts: n.attempts, lastError: n.lastError, createdAt: n.createdAt.toISOString(), sentAt: n.sentAt?.toISOString() ?? null })),
    };
  }

  // --- silences -------------------------------------------------------------------------------
  @Endpoint(R.listAlertSilences)
  async listSilences(@TenantOf() t: TenantAccess): Out<'listAlertSilences'> {
    return { silences: (await this.repo.listSilences(t.tenantId)).map(silenceView) };
  }

  @Endpoint(R.createAlertSilence)
  async createSilence(@TenantOf() t: TenantAccess, @Input() { body }: In<'createAlertSilence'>): Out<'createAlertSilence'> {
    if (body.ruleId && !(await this.repo.getRule(t.tenantId, body.ruleId))) {
      throw fieldError([{ field: 'body.ruleId', message: 'no such rule in this tenant' }]);
    }
    const silence = await this.repo.createSilence(t.tenantId, {
      ruleId: body.ruleId ?? null,
      reason: body.reason,
      startsAt: body.startsAt ? new Date(body.startsAt) : new Date(),
      endsAt: new Date(body.endsAt),
      createdBy: t.actor,
    });
    await this.audit(t, 'alert_silence.create', `alert_silence:${silence.id}`, { ruleId: silence.ruleId, endsAt: silence.endsAt.toISOString() });
    return silenceView(silence);
  }

  @Endpoint(R.deleteAlertSilence)
  async deleteSilence(@TenantOf() t: TenantAccess, @Input() { params }: In<'deleteAlertSilence'>): Promise<void> {
    if (!(await this.repo.deleteSilence(t.tenantId, params.silenceId))) throw new NotFoundException(`silenceId: no silence ${params.silenceId} in this tenant`);
    await this.audit(t, 'alert_silence.delete', `alert_silence:${params.silenceId}`, {});
  }

  // --- bulk -----------------------------------------------------------------------------------
  @Endpoint(R.exportAlerting)
  async exportAll(@TenantOf() t: TenantAccess): Out<'exportAlerting'> {
    return { channels: (await this.repo.listChannels(t.tenantId)).map(channelView), rules: await this.rulesWithState(t.tenantId) };
  }

  /** All or nothing: every target and channel reference is checked before one transaction writes. */
  @Endpoint(R.importAlerting)
  async importAll(@TenantOf() t: TenantAccess, @Input() { body }: In<'importAlerting'>): Out<'importAlerting'> {
    const warnings: Array<{ field: string; message: string }> = [];
    for (const [i, c] of body.channels.entries()) warnings.push(...(await this.checkTarget(c, `body.channels.${i}`)));
    const known = new Set([...(await this.repo.listChannels(t.tenantId)).map((c) => c.key), ...body.channels.map((c) => c.key)]);
    body.rules.forEach((r, i) => checkChannelKeys(r, known, `body.rules.${i}.channels`));
    const counts = { channels: { created: 0, updated: 0 }, rules: { created: 0, updated: 0 } };
    const maxRules = this.options.maxRulesPerTenant;
    await capped('body.rules', () => this.cp.db.transaction().execute(async (trx) => {
      const repo = new AlertingRepository(trx);
      for (const c of body.channels) counts.channels[(await repo.upsertChannel(t.tenantId, sealChannel(this.box, t.tenantId, c))).created ? 'created' : 'updated']++;
      for (const r of body.rules) counts.rules[(await repo.upsertRule(t.tenantId, toNewRule(r), { maxRules })).created ? 'created' : 'updated']++;
      await new AuditLogRepository(trx).record({ tenantId: t.tenantId, actor: t.actor, action: 'alerting.import', target: `tenant:${t.tenantId}`, details: counts });
    }));
    return warnings.length ? { ...counts, warnings } : counts;
  }

  private async rulesWithState(tenantId: string) {
    return (await this.repo.listRulesWithState(tenantId)).map(({ rule, state }) => ruleView(rule, state));
  }

  /**
   * Refuses a private target (400 naming the field). A name that does not resolve right now is
   * saved with a warning: DNS may be briefly down, and every send re-checks what it connects to.
   */
  private async checkTarget(c: AlertChannelBody, at: string): Promise<Array<{ field: string; message: string }>> {
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

  private audit(t: TenantAccess, action: string, target: string, details: Record<string, unknown>): Promise<void> {
    return new AuditLogRepository(this.cp).record({ tenantId: t.tenantId, actor: t.actor, action, target, details });
  }
}

/** Turns the rule cap into a 400 naming `field` and the cap (an import then writes nothing). */
async function capped<T>(field: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (!(e instanceof AlertRuleCapError)) throw e;
    throw fieldError([{ field, message: `a tenant may have at most ${e.cap} alert rules (server setting alerting.maxRulesPerTenant); delete rules first or reuse existing keys` }]);
  }
}

function checkChannelKeys(rule: AlertRuleBody, known: ReadonlySet<string>, field: string): void {
  const unknown = rule.channels.filter((k) => !known.has(k));
  if (unknown.length) {
    const message = `unknown channel key(s) ${unknown.join(', ')}; create the channels first`;
    throw fieldError([{ field, message }]);
  }
}

function toNewRule(body: AlertRuleBody) {
  const { key, name, enabled, ...definition } = body;
  return { key, name, enabled, definition };
}

function ruleView(rule: AlertRuleRecord, state: AlertRuleStateRecord | undefined) {
  const def = rule.definition as Omit<AlertRuleBody, 'key' | 'name' | 'enabled'>;
  return {
    ...def,
    id: rule.id,
    key: rule.key,
    name: rule.name,
    enabled: rule.enabled,
    state: {
      state: state?.state ?? 'ok',
      severity: state?.severity ?? null,
      since: state?.since?.toISOString() ?? null,
      lastValue: state?.lastValue ?? null,
      lastEvalAt: state?.lastEvalAt?.toISOString() ?? null,
    },
    createdAt: rule.createdAt.toISOString(),
    updatedAt: rule.updatedAt.toISOString(),
  };
}

function silenceView(s: { id: string; ruleId: string | null; reason: string; startsAt: Date; endsAt: Date; createdBy: string; createdAt: Date }) {
  return { id: s.id, ruleId: s.ruleId, reason: s.reason, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), createdBy: s.createdBy, createdAt: s.createdAt.toISOString() };
}
