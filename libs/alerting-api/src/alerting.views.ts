import { alertRuleDefinition } from '@meridian/api-contract';
import type {
  AlertChannelRecord,
  AlertEventRecord,
  AlertNotificationRecord,
  AlertRuleRecord,
  AlertRuleStateRecord,
  AlertSilenceRecord,
} from '@meridian/control-plane';

/** How the API shows stored alerting records (times as ISO strings, secrets never). */

export function ruleView(rule: AlertRuleRecord, state: AlertRuleStateRecord | undefined) {
  return {
    ...alertRuleDefinition.parse(rule.definition),
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

/** Never the secret, only its hint. */
export function channelView(c: AlertChannelRecord) {
  const { smtpUrl: _smtpUrl, ...settings } = c.settings;
  return {
    id: c.id,
    key: c.key,
    name: c.name,
    kind: c.kind,
    target: c.secretHint,
    settings,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function eventView(e: AlertEventRecord) {
  return { at: e.at.toISOString(), from: e.fromState, to: e.toState, severity: e.severity, value: e.value, threshold: e.threshold };
}

export function deliveryView(n: AlertNotificationRecord) {
  return {
    id: n.id,
    ruleId: n.ruleId,
    channelId: n.channelId,
    kind: n.kind,
    status: n.status,
    attempts: n.attempts,
    lastError: n.lastError,
    createdAt: n.createdAt.toISOString(),
    sentAt: n.sentAt?.toISOString() ?? null,
  };
}

export function silenceView(s: AlertSilenceRecord) {
  return {
    id: s.id,
    ruleId: s.ruleId,
    reason: s.reason,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
  };
}
