import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ALERT_METRIC_UNITS, alertMessage, alertRuleDefinition, breachOf, type AlertMessage, type AlertRuleDefinition } from '@meridian/api-contract';
import { hitmapLink, metricLabel, openChannel, type ChannelSender, type SecretBox } from '@meridian/alert-channels';
import type {
  AlertChannelRepository,
  AlertOutboxRepository,
  AlertRuleRepository,
  AlertSilenceRepository,
  ClaimedRule,
  NewAlertNotification,
} from '@meridian/control-plane';
import { counter, histogram, type SelfMetrics } from '@meridian/self-metrics';
import type { AlertMeasurement, AlertQueries } from '@meridian/storage-clickhouse';
import { step, type StepResult } from './rule-state';

/** The alerter's settings (from the `alerting` config section). */
export interface AlerterSettings {
  /** Where users open the UI: the hitmap links in messages point here. */
  publicUrl: string;
  evaluationIntervalMs: number;
  /** Evaluations in flight at once in this replica. */
  evaluationConcurrency: number;
  /** Of those, at most this many of one tenant. */
  tenantEvaluationConcurrency: number;
  retryInitialMs: number;
  maxAttempts: number;
}

export interface AlerterDeps extends AlerterSettings {
  rules: AlertRuleRepository;
  channels: AlertChannelRepository;
  outbox: AlertOutboxRepository;
  silences: AlertSilenceRepository;
  queries: AlertQueries;
  box: SecretBox;
  sender: ChannelSender;
  /** Replica id holding leases; unique per process by default. */
  owner?: string;
  now?: () => Date;
  log?: (level: 'log' | 'warn' | 'error', line: string) => void;
  /** Counts evaluations by outcome (`meridian_alert_evaluations_total`) and how late they start. */
  metrics?: SelfMetrics;
  /** How long stop() waits for the evaluations and deliveries in flight; default STOP_WAIT_MS. */
  stopWaitMs?: number;
}

/** Notifications claimed per delivery round. */
const BATCH = 100;
/** A delivery (HTTP/SMTP with a 10 s timeout) must finish well inside its lease. */
const DELIVERY_LEASE_MS = 60_000;
/**
 * How long stop() waits for work in flight before it lets the process go on shutting down. Work
 * still running then is covered by its lease: it expires and the rule or notification is
 * claimed again (by another replica, or by this one after a restart).
 */
export const STOP_WAIT_MS = 10_000;

/**
 * The alerter role. It leases the rules that are due (shared with other replicas through the
 * control plane: a rule is evaluated by one replica at a time), measures each against the
 * tenant's region, steps its state machine and writes the new state, history and any
 * notifications in one transaction; a separate loop delivers due notifications from that outbox.
 * Because a transition and its notifications are committed together and sent from the outbox,
 * a restart neither loses nor repeats a message (a crash mid-send retries that one message).
 *
 * Fair across tenants: at most `evaluationConcurrency` evaluations run at once, at most
 * `tenantEvaluationConcurrency` of one tenant, and freed slots are claimed round-robin by tenant
 * (see AlertRuleRepository.claimDue). A tenant with thousands of rules (or slow ones) thus
 * keeps a few slots busy while another tenant's due rule waits at most for half the slots to free.
 */
export class Alerter {
  readonly owner: string;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private readonly evaluations?: ReturnType<typeof counter<'outcome'>>;
  private readonly delay?: ReturnType<typeof histogram<never>>;

  constructor(private readonly d: AlerterDeps) {
    this.owner = d.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.evaluations =
      d.metrics &&
      counter(d.metrics, {
        name: 'meridian_alert_evaluations_total',
        help: 'Alert rule evaluations by outcome: the rule state after it (ok, pending, firing), disabled, or measure-failed (storage error, state kept)',
        labelNames: ['outcome'],
      });
    this.delay =
      d.metrics &&
      histogram(d.metrics, {
        name: 'meridian_alert_evaluation_delay_seconds',
        help: 'How late rule evaluations start: time from a rule being due to this alerter claiming it',
        labelNames: [],
        buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      });
    this.now = d.now ?? (() => new Date());
    this.leaseMs = Math.max(10_000, 3 * d.evaluationIntervalMs);
  }

  /** Runs the evaluation loop and the delivery loop, each polling when it has nothing to do. */
  start(): void {
    const pollMs = Math.min(this.d.evaluationIntervalMs, 1_000);
    const loop = (what: string, work: () => Promise<unknown>) => {
      if (this.stopped) return;
      const run = work()
        .then(
          () => undefined,
          (e: Error) => this.d.log?.('error', `alerter ${what} failed: ${e.message}`),
        )
        .finally(() => {
          this.running.delete(run);
          if (this.stopped) return;
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            loop(what, work);
          }, pollMs);
          this.timers.add(timer);
        });
      this.running.add(run);
    };
    loop('evaluation', () => this.evaluateDue());
    loop('delivery', () => this.deliverDue());
  }

  /**
   * Stops claiming and waits for the evaluations and deliveries in progress (their writes release
   * their leases), for at most `stopWaitMs`: a loop stuck on a database that does not answer must
   * not hold up the shutdown. What is still running then is logged and left to its lease.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const waitMs = this.d.stopWaitMs ?? STOP_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.all(this.running).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (!finished)
      this.d.log?.(
        'warn',
        `alerter stopped with ${this.running.size} loop(s) still waiting after ${waitMs} ms (a query or delivery that does not answer); ` +
          'their leases expire and the rules and notifications are claimed again',
      );
  }

  /** One round of both loops: evaluates what is due, then delivers what is due. */
  async tick(): Promise<void> {
    try {
      await this.evaluateDue();
      await this.deliverDue();
    } catch (e) {
      this.d.log?.('error', `alerter tick failed: ${(e as Error).message}`);
    }
  }

  /**
   * Evaluates due rules until none can be claimed and none is in flight, keeping up to
   * `evaluationConcurrency` in flight (at most `tenantEvaluationConcurrency` per tenant). Slots
   * are refilled once half of them are free (or all are), so the claim query runs once per a few
   * evaluations, and a rule that falls due meanwhile is claimed in the next refill, ahead of the
   * backlog of a tenant that already has its share running. Returns how many were evaluated.
   */
  async evaluateDue(): Promise<number> {
    const slots = this.d.evaluationConcurrency;
    const refillAt = Math.max(1, Math.floor(slots / 2));
    const busy = new Map<string, number>();
    const inFlight = new Set<Promise<void>>();
    let evaluated = 0;
    let failure: unknown;
    for (;;) {
      const free = slots - inFlight.size;
      if (!this.stopped && failure === undefined && (free >= refillAt || inFlight.size === 0)) {
        let claimed: ClaimedRule[] = [];
        try {
          claimed = await this.d.rules.claimDue(this.owner, this.leaseMs, free, { perTenant: this.d.tenantEvaluationConcurrency, busy });
        } catch (e) {
          failure = e;
        }
        for (const c of claimed) {
          const tenant = c.rule.tenantId;
          busy.set(tenant, (busy.get(tenant) ?? 0) + 1);
          this.delay?.observe(Math.max(0, c.lateSeconds));
          const run: Promise<void> = this.evaluate(c)
            .catch((e: Error) => this.d.log?.('error', `rule ${c.rule.id}: evaluation failed: ${e.message}; retried when its lease expires`))
            .finally(() => {
              inFlight.delete(run);
              const left = (busy.get(tenant) ?? 1) - 1;
              if (left > 0) busy.set(tenant, left);
              else busy.delete(tenant);
            });
          inFlight.add(run);
          evaluated++;
        }
        if (claimed.length > 0) continue;
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    if (failure !== undefined) throw failure;
    return evaluated;
  }

  private async evaluate(c: ClaimedRule): Promise<void> {
    const now = this.now();
    const nextEvalInMs = this.d.evaluationIntervalMs;
    const keep = {
      state: c.state.state,
      severity: c.state.severity,
      since: c.state.since,
      lastValue: c.state.lastValue,
      lastNotifiedAt: c.state.lastNotifiedAt,
      nextEvalInMs,
      notifications: [],
    };
    if (!c.rule.enabled) {
      await this.d.rules.saveEvaluation(c.rule.id, this.owner, { ...keep, state: 'ok', severity: null, since: null });
      this.evaluations?.inc({ outcome: 'disabled' });
      return;
    }
    const def = alertRuleDefinition.parse(c.rule.definition);
    let m: AlertMeasurement;
    try {
      m = await this.d.queries.measure(c.region, c.rule.tenantId, {
        metric: def.metric,
        service: def.service,
        endpoint: def.endpoint,
        windowSeconds: def.windowSeconds,
        slowMs: def.slowMs,
        dbInstance: def.dbInstance,
        metricName: def.metricName,
        attributes: def.attributes,
        resourceAttributes: def.resourceAttributes,
        host: def.host,
        podPrefix: def.podPrefix,
        now,
      });
    } catch (e) {
      // Keep the state (a storage outage must not resolve or fire anything); try again next time.
      this.d.log?.('warn', `rule ${c.rule.id} of tenant ${c.tenantSlug}: measuring failed: ${(e as Error).message}`);
      await this.d.rules.saveEvaluation(c.rule.id, this.owner, keep);
      this.evaluations?.inc({ outcome: 'measure-failed' });
      return;
    }
    // Host down: once every watched host has been silent past the look-back, none is left to
    // measure. That is no recovery: a pending or firing alert goes on with the silence it has at least.
    if (def.metric === 'host_down' && m.value === null && c.state.state !== 'ok') m = { ...m, value: def.windowSeconds };
    const silenced = await this.d.silences.isSilenced(c.rule.tenantId, c.rule.id, now);
    const r = step(def, c.state, m.value, now, silenced);
    const notifications = r.notify ? await this.notificationsFor(c, def, r, m, now) : [];
    const saved = await this.d.rules.saveEvaluation(c.rule.id, this.owner, {
      state: r.state,
      severity: r.severity,
      since: r.since,
      lastValue: m.value,
      lastNotifiedAt: r.lastNotifiedAt,
      nextEvalInMs,
      event: r.transition && {
        fromState: r.transition.from,
        toState: r.transition.to,
        severity: r.severity ?? c.state.severity,
        value: m.value,
        threshold: r.threshold,
      },
      notifications,
    });
    if (!saved) this.d.log?.('warn', `rule ${c.rule.id}: lease lost before saving; another replica evaluates it`);
    else this.evaluations?.inc({ outcome: r.state });
  }

  private async notificationsFor(c: ClaimedRule, def: AlertRuleDefinition, r: StepResult, m: AlertMeasurement, now: Date): Promise<NewAlertNotification[]> {
    if (def.channels.length === 0) return [];
    const channels = (await this.d.channels.list(c.rule.tenantId)).filter((ch) => def.channels.includes(ch.key));
    const startedAt = r.notify === 'resolved' ? (c.state.since ?? now) : (r.since ?? now);
    const message: AlertMessage = {
      kind: r.notify ?? 'firing',
      tenantSlug: c.tenantSlug,
      region: c.region,
      ruleId: c.rule.id,
      ruleName: c.rule.name,
      severity: r.notify === 'resolved' ? c.state.severity : r.severity,
      metricLabel: metricLabel(def),
      unit: ALERT_METRIC_UNITS[def.metric],
      direction: def.direction,
      threshold: r.threshold,
      value: m.value,
      service: def.service,
      endpoint: def.endpoint,
      // The hosts or pods past a threshold (none once resolved): who is down, which pods restart.
      subjects: m.subjects?.filter((x) => breachOf(def, x.value) !== null),
      since: startedAt.toISOString(),
      at: now.toISOString(),
      ...this.linkOf(c.tenantSlug, def, new Date(startedAt.getTime() - def.windowSeconds * 1000), now),
      runbookUrl: def.runbookUrl,
    };
    return channels.map((ch) => ({ channelId: ch.id, kind: message.kind, payload: message }));
  }

  /** Where a message points: the hitmap at the alert's window; for host down and pod restarts the page that shows the hosts or pods. */
  private linkOf(tenantSlug: string, def: AlertRuleDefinition, from: Date, to: Date): Pick<AlertMessage, 'link' | 'linkTo'> {
    const base = this.d.publicUrl.replace(/\/+$/, '');
    const q = new URLSearchParams({ tenant: tenantSlug });
    if (def.metric === 'host_down') {
      if (def.host !== undefined) q.set('host', def.host);
      return { link: `${base}/servers${def.host !== undefined ? '/host' : ''}?${q}`, linkTo: 'servers' };
    }
    if (def.metric === 'pod_restarts') {
      const namespace = def.resourceAttributes?.['k8s.namespace.name'];
      if (namespace !== undefined) q.set('namespace', namespace);
      return { link: `${base}/kubernetes?${q}`, linkTo: 'kubernetes' };
    }
    return { link: hitmapLink(this.d.publicUrl, tenantSlug, from, to, def.service) };
  }

  /** Sends due notifications; failures are retried with exponential backoff, then marked failed. */
  async deliverDue(): Promise<number> {
    const due = await this.d.outbox.claimDue(this.owner, DELIVERY_LEASE_MS, BATCH);
    await Promise.all(
      due.map(async (n) => {
        try {
          await this.d.sender.send(openChannel(this.d.box, n.channel), alertMessage.parse(n.payload));
          await this.d.outbox.recordAttempt(n.id, this.owner, { ok: true });
        } catch (e) {
          const attempts = n.attempts + 1;
          const retryAt = attempts < this.d.maxAttempts ? new Date(this.now().getTime() + this.d.retryInitialMs * 2 ** (attempts - 1)) : undefined;
          const error = (e as Error).message;
          this.d.log?.(
            'warn',
            `notification ${n.id} via channel ${n.channel.key}: ${error}${retryAt ? `; retrying at ${retryAt.toISOString()}` : '; giving up'}`,
          );
          await this.d.outbox.recordAttempt(n.id, this.owner, { ok: false, error, retryAt });
        }
      }),
    );
    return due.length;
  }
}
