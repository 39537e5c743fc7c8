import type { AlertMessage } from '@meridian/api-contract';
import { hitmapLink, plainText, slackMessage } from './messages';

const firing: AlertMessage = {
  kind: 'firing',
  tenantSlug: 'acme',
  region: 'ap-northeast-1',
  ruleId: '00000000-0000-4000-8000-000000000000',
  ruleName: 'Orders <!channel> slow',
  severity: 'warning',
  metricLabel: 'p95 latency',
  unit: 'ms',
  direction: 'above',
  threshold: 500,
  value: 812.345,
  service: 'orders <@U123>',
  endpoint: 'GET /orders/{id}',
  since: '2026-01-01T00:00:00.000Z',
  at: '2026-01-01T00:05:00.000Z',
  link: hitmapLink('https://m.example.com/', 'acme', new Date('2025-12-31T23:55:00Z'), new Date('2026-01-01T00:05:00Z'), 'orders'),
};

describe('alert messages', () => {
  it('says what crossed which threshold, with a hitmap link at the window', () => {
    const m = slackMessage(firing);
    expect(m.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'p95 latency is 812 ms, above the warning threshold of 500 ms.' } });
    expect(firing.link).toBe('https://m.example.com/hitmap?tenant=acme&from=2025-12-31T23%3A55%3A00.000Z&to=2026-01-01T00%3A05%3A00.000Z&service=orders');
    expect(plainText(firing).split('\n')).toEqual([
      'WARNING: Orders <!channel> slow',
      'p95 latency is 812 ms, above the warning threshold of 500 ms.',
      'Where: orders <@U123> · GET /orders/{id} (region ap-northeast-1)',
      'Since: 2026-01-01T00:00:00.000Z',
      `Hitmap: ${firing.link}`,
    ]);
  });

  it('escapes user text in mrkdwn so names cannot ping a channel or user', () => {
    const json = JSON.stringify({ ...slackMessage(firing), blocks: slackMessage(firing).blocks.slice(1) });
    expect(json).toContain('orders &lt;@U123&gt;');
    expect(json).not.toContain('<@U123>');
    // The header is plain_text, which Slack never interprets.
    expect(slackMessage(firing).blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
  });

  it('sends a resolved follow-up with the same rule and link', () => {
    const m = slackMessage({ ...firing, kind: 'resolved', value: 120 });
    expect(m.blocks[0]).toMatchObject({ text: { text: ':white_check_mark: Resolved: Orders <!channel> slow' } });
    expect(m.blocks[1]).toMatchObject({ text: { text: 'p95 latency is back: now 120 ms (threshold 500 ms).' } });
  });
});
