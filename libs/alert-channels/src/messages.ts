import type { ActionsBlock, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { AlertMessage } from '@meridian/api-contract';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const LABELS: Record<string, string> = {
  latency_p95: 'p95 latency',
  latency_p99: 'p99 latency',
  error_rate: 'error rate',
  throughput: 'throughput',
  apdex: 'Apdex',
  host_down: 'Time since a host last reported',
  pod_restarts: 'Container restarts of one pod',
};

/** What the value measures, in words (hitmap patterns name their base time, SQL rules the instance). */
export function metricLabel(def: { metric: string; slowMs?: number; dbInstance?: string; metricName?: string; attributes?: Record<string, string> }): string {
  const on = def.dbInstance ? ` on ${def.dbInstance}` : '';
  switch (def.metric) {
    case 'hitmap_vertical':
      return `Slow cells (≥ ${def.slowMs} ms) in one hitmap column`;
    case 'hitmap_horizontal':
      return `Time with hits slower than ${def.slowMs} ms`;
    case 'sql_p95':
      return `SQL p95${on}`;
    case 'queries_per_txn':
      return `Queries per transaction${on}`;
    case 'metric': {
      const attrs = Object.entries(def.attributes ?? {}).map(([k, v]) => `${k}=${v}`);
      return `${def.metricName}${attrs.length ? `{${attrs.join(', ')}}` : ''}`;
    }
    default:
      return LABELS[def.metric] ?? def.metric;
  }
}

export function formatValue(v: number | null, unit: string): string {
  if (v === null) return 'no data';
  const n = Number.isInteger(v) || Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3);
  if (!unit) return n;
  return unit === '%' || unit.startsWith('/') ? `${n}${unit}` : `${n} ${unit}`;
}

/** Hitmap link at [from, to] for the service (the UI's hitmap page reads these query parameters). */
export function hitmapLink(publicUrl: string, tenantSlug: string, from: Date, to: Date, service?: string): string {
  const q = new URLSearchParams({ tenant: tenantSlug, from: from.toISOString(), to: to.toISOString() });
  if (service) q.set('service', service);
  return `${publicUrl.replace(/\/+$/, '')}/hitmap?${q}`;
}

function title(m: AlertMessage): string {
  if (m.kind === 'test') return `Test message from Meridian (${m.tenantSlug})`;
  if (m.kind === 'resolved') return `Resolved: ${m.ruleName}`;
  return `${m.severity === 'critical' ? 'CRITICAL' : 'WARNING'}: ${m.ruleName}`;
}

function what(m: AlertMessage): string {
  if (m.kind === 'test') return 'This channel works: alerts will arrive here.';
  const cmp = m.direction === 'above' ? 'above' : 'below';
  const t = formatValue(m.threshold, m.unit);
  const who = m.subjects?.length ? `: ${m.subjects.map((x) => `${x.name} (${formatValue(x.value, m.unit)})`).join(', ')}` : '';
  if (m.kind === 'resolved') return `${m.metricLabel} is back: now ${formatValue(m.value, m.unit)} (threshold ${t}).`;
  return `${m.metricLabel} is ${formatValue(m.value, m.unit)}, ${cmp} the ${m.severity ? `${m.severity} ` : ''}threshold of ${t}${who}.`;
}

/** The page the message's link opens, in words. */
function linkPage(m: AlertMessage): string {
  return m.linkTo === 'servers' ? 'Servers' : m.linkTo === 'kubernetes' ? 'Kubernetes' : 'Hitmap';
}

function where(m: AlertMessage): string {
  return [m.service ?? 'all services', m.endpoint].filter(Boolean).join(' · ');
}

/** Slack escapes only &, < and > in mrkdwn text. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Plain text: the Slack fallback (notifications, screen readers) and the email body. */
export function plainText(m: AlertMessage): string {
  const lines = [title(m), what(m)];
  if (m.kind !== 'test') {
    lines.push(
      `Where: ${where(m)} (region ${m.region})`,
      `${m.kind === 'resolved' ? 'Resolved at' : 'Since'}: ${m.kind === 'resolved' ? m.at : m.since}`,
      `${linkPage(m)}: ${m.link}`,
    );
    if (m.runbookUrl) lines.push(`Runbook: ${m.runbookUrl}`);
  }
  return lines.join('\n');
}

/** Block Kit: header, one line of what crossed what, short fields (two columns on a phone), a button to the hitmap. */
export function slackMessage(m: AlertMessage): SlackMessage {
  const emoji =
    m.kind === 'resolved' ? ':white_check_mark:' : m.kind === 'test' ? ':wave:' : m.severity === 'critical' ? ':red_circle:' : ':large_orange_circle:';
  const header: HeaderBlock = { type: 'header', text: { type: 'plain_text', text: `${emoji} ${title(m)}`.slice(0, 150), emoji: true } };
  const summary: SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: esc(what(m)) } };
  const blocks: KnownBlock[] = [header, summary];
  if (m.kind !== 'test') {
    const fields: SectionBlock = {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Severity*\n${m.kind === 'resolved' ? 'resolved' : (m.severity ?? '')}` },
        { type: 'mrkdwn', text: `*Value*\n${esc(formatValue(m.value, m.unit))}` },
        { type: 'mrkdwn', text: `*Service*\n${esc(where(m))}` },
        { type: 'mrkdwn', text: `*Region*\n${esc(m.region)}` },
        {
          type: 'mrkdwn',
          text: `*${m.kind === 'resolved' ? 'Resolved' : 'Since'}*\n<!date^${Math.floor(Date.parse(m.kind === 'resolved' ? m.at : m.since) / 1000)}^{date_short_pretty} {time}|${m.kind === 'resolved' ? m.at : m.since}>`,
        },
        { type: 'mrkdwn', text: `*Threshold*\n${esc(formatValue(m.threshold, m.unit))}` },
      ],
    };
    const actions: ActionsBlock = {
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: `Open ${m.linkTo === 'kubernetes' ? 'Kubernetes' : linkPage(m).toLowerCase()}` },
          url: m.link,
          action_id: 'open_hitmap',
          ...(m.kind === 'firing' ? { style: 'primary' as const } : {}),
        },
      ],
    };
    if (m.runbookUrl) actions.elements.push({ type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: m.runbookUrl, action_id: 'open_runbook' });
    const context: ContextBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: `Meridian · tenant ${esc(m.tenantSlug)}` }] };
    blocks.push(fields, actions, context);
  }
  // The fallback `text` is parsed as mrkdwn too (notifications), so it is escaped like the blocks.
  return { text: esc(plainText(m)), blocks };
}

/** The generic webhook body: the message as JSON, versioned. */
export function webhookBody(m: AlertMessage): string {
  return JSON.stringify({ version: 1, ...m, text: plainText(m) });
}

export function emailSubject(m: AlertMessage): string {
  return `[Meridian] ${title(m)}`;
}
