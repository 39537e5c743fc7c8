import { breachOf, type AlertRuleDefinition as RuleDefinition } from '@meridian/api-contract';
import type { AlertSeverity, AlertState } from '@meridian/control-plane';

export interface RuleStateSnapshot {
  state: AlertState;
  severity: AlertSeverity | null;
  since: Date | null;
  lastNotifiedAt: Date | null;
}

export interface Transition {
  /** ok → pending → firing → resolved; resolved is stored as ok. */
  from: AlertState;
  to: AlertState | 'resolved';
}

export interface StepResult extends RuleStateSnapshot {
  transition?: Transition;
  /** What to send now (suppressed while silenced). */
  notify?: 'firing' | 'resolved';
  /** The threshold the severity refers to (for messages and history). */
  threshold: number | null;
}

export function thresholdOf(def: RuleDefinition, severity: AlertSeverity | null): number | null {
  if (severity === 'critical') return def.critical ?? null;
  if (severity === 'warning') return def.warning ?? null;
  return def.warning ?? def.critical ?? null;
}

/**
 * Hysteresis: a firing rule stays firing until the value is `hysteresisPercent` past the
 * lowest threshold it could fire on, so a value hovering at the threshold does not flap.
 */
function clearedWithHysteresis(def: RuleDefinition, value: number | null): boolean {
  if (value === null) return true;
  const t =
    def.direction === 'above' ? Math.min(def.warning ?? Infinity, def.critical ?? Infinity) : Math.max(def.warning ?? -Infinity, def.critical ?? -Infinity);
  const h = def.hysteresisPercent / 100;
  return def.direction === 'above' ? value < t * (1 - h) : value > t * (1 + h);
}

/**
 * The state machine, pure: the next state of a rule given its last state and a new value.
 * `for`: a breach must last forSeconds (pending) before firing; re-notify while firing every
 * renotifySeconds; a rise to critical notifies again; silences keep the state but send nothing.
 */
export function step(def: RuleDefinition, prev: RuleStateSnapshot, value: number | null, now: Date, silenced: boolean): StepResult {
  const breach = breachOf(def, value);
  const send = (kind: 'firing' | 'resolved') => (silenced ? undefined : kind);
  const notified = (kind: 'firing' | 'resolved' | undefined) => (kind ? now : prev.lastNotifiedAt);
  const forMs = def.forSeconds * 1000;

  if (prev.state === 'firing') {
    if (breach === null && clearedWithHysteresis(def, value)) {
      const notify = send('resolved');
      return {
        state: 'ok',
        severity: null,
        since: null,
        lastNotifiedAt: notified(notify),
        transition: { from: 'firing', to: 'resolved' },
        notify,
        threshold: thresholdOf(def, prev.severity),
      };
    }
    const severity = breach === 'critical' || prev.severity === null ? (breach ?? 'warning') : prev.severity;
    const escalated = severity === 'critical' && prev.severity !== 'critical';
    const due = def.renotifySeconds > 0 && prev.lastNotifiedAt !== null && now.getTime() - prev.lastNotifiedAt.getTime() >= def.renotifySeconds * 1000;
    const notify = escalated || due ? send('firing') : undefined;
    return {
      state: 'firing',
      severity,
      since: prev.since,
      lastNotifiedAt: notified(notify),
      transition: escalated ? { from: 'firing', to: 'firing' } : undefined,
      notify,
      threshold: thresholdOf(def, severity),
    };
  }

  if (breach === null) {
    const transition = prev.state === 'pending' ? ({ from: 'pending', to: 'ok' } as const) : undefined;
    return { state: 'ok', severity: null, since: null, lastNotifiedAt: prev.lastNotifiedAt, transition, threshold: thresholdOf(def, null) };
  }

  const since = prev.state === 'pending' && prev.since ? prev.since : now;
  if (now.getTime() - since.getTime() >= forMs) {
    const notify = send('firing');
    return {
      state: 'firing',
      severity: breach,
      since,
      lastNotifiedAt: notified(notify),
      transition: { from: prev.state, to: 'firing' },
      notify,
      threshold: thresholdOf(def, breach),
    };
  }
  const transition = prev.state === 'ok' ? ({ from: 'ok', to: 'pending' } as const) : undefined;
  return { state: 'pending', severity: breach, since, lastNotifiedAt: prev.lastNotifiedAt, transition, threshold: thresholdOf(def, breach) };
}
