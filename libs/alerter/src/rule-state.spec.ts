import type { AlertRuleDefinition as RuleDefinition } from '@meridian/api-contract';
import { step, type RuleStateSnapshot } from './rule-state';

const def = (over: Partial<RuleDefinition> = {}): RuleDefinition => ({
  metric: 'latency_p95',
  direction: 'above',
  warning: 500,
  critical: 1000,
  windowSeconds: 300,
  forSeconds: 60,
  renotifySeconds: 0,
  hysteresisPercent: 10,
  channels: [],
  ...over,
});
const ok: RuleStateSnapshot = { state: 'ok', severity: null, since: null, lastNotifiedAt: null };
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

/** Feeds values one per 30 s and returns the transitions and notifications it produced. */
function run(d: RuleDefinition, values: Array<number | null>, silencedAt: number[] = []): string[] {
  let s = ok;
  const out: string[] = [];
  values.forEach((v, i) => {
    const r = step(d, s, v, at(i * 30), silencedAt.includes(i));
    if (r.transition) out.push(`${r.transition.from}→${r.transition.to}${r.severity ? `(${r.severity})` : ''}`);
    if (r.notify) out.push(`send ${r.notify}`);
    s = r;
  });
  return out;
}

describe('alert rule state machine', () => {
  it('goes ok → pending → firing only after the "for" duration, then resolves once', () => {
    expect(run(def(), [100, 600, 600, 600, 100])).toEqual([
      'ok→pending(warning)',
      'pending→firing(warning)',
      'send firing',
      'firing→resolved',
      'send resolved',
    ]);
  });

  it('drops back from pending to ok without notifying when the breach is short', () => {
    expect(run(def(), [600, 100, 600])).toEqual(['ok→pending(warning)', 'pending→ok', 'ok→pending(warning)']);
  });

  it('fires at once with for = 0 and escalates warning → critical with a second message', () => {
    expect(run(def({ forSeconds: 0 }), [600, 1200, 1200])).toEqual(['ok→firing(warning)', 'send firing', 'firing→firing(critical)', 'send firing']);
  });

  it('keeps firing inside the hysteresis band (no flapping at the threshold)', () => {
    // 480 is below the 500 threshold but within 10 %: still firing; 440 clears it.
    expect(run(def({ forSeconds: 0 }), [520, 480, 510, 480, 440])).toEqual(['ok→firing(warning)', 'send firing', 'firing→resolved', 'send resolved']);
  });

  it('re-notifies while firing every renotifySeconds', () => {
    expect(run(def({ forSeconds: 0, renotifySeconds: 60 }), [600, 600, 600, 600])).toEqual(['ok→firing(warning)', 'send firing', 'send firing']);
  });

  it('uses "below" for Apdex and low throughput', () => {
    expect(run(def({ metric: 'apdex', direction: 'below', warning: 0.9, critical: 0.7, forSeconds: 0 }), [0.95, 0.6, 1])).toEqual([
      'ok→firing(critical)',
      'send firing',
      'firing→resolved',
      'send resolved',
    ]);
  });

  it('records transitions but sends nothing while silenced', () => {
    expect(run(def({ forSeconds: 0 }), [600, 100], [0, 1])).toEqual(['ok→firing(warning)', 'firing→resolved']);
  });

  it('treats no data as no breach (a silent service does not fire on latency)', () => {
    expect(run(def({ forSeconds: 0 }), [null, null])).toEqual([]);
  });
});
