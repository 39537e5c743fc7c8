import { roleMessages } from '../../lib/roles';
import { auditMessages, auditSentence, type AuditEntry } from './audit-sentence';

const entry = (action: string, details: Record<string, unknown> = {}): AuditEntry => ({ action, actor: 'user:1', target: 'user:2', details });
const say = (e: AuditEntry, locale: 'en' | 'ja' = 'en') =>
  auditSentence(
    e,
    auditMessages[locale],
    (r) => roleMessages[locale][r as 'member'] ?? r,
    (iso) => iso.slice(0, 16).replace('T', ' '),
  );

describe('audit entries as sentences', () => {
  it('says what happened with its details, not codes and JSON', () => {
    expect(say(entry('member.role_change', { email: 'ann@example.com', from: 'viewer', to: 'admin' }))).toBe(
      "Changed ann@example.com's role from Viewer to Admin.",
    );
    expect(say(entry('member.role_change', { email: 'ann@example.com', from: 'viewer', to: 'admin' }), 'ja')).toBe(
      'ann@example.com のロールを閲覧者から管理者に変更しました。',
    );
    expect(say(entry('ingest_key.create', { name: 'prod', kind: 'ingest', prefix: 'mrd_ik_ab12' }))).toBe('Created the ingest key prod (mrd_ik_ab12…).');
    expect(say(entry('api_key.revoke', { name: 'ci', prefix: 'mrd_at_cd34' }), 'ja')).toBe('API キー ci（mrd_at_cd34…）を無効にしました。');
    expect(say(entry('auth.login', { email: 'a@b.c', ip: '10.0.0.7', userAgent: 'x' }))).toBe('Signed in from 10.0.0.7.');
    expect(say(entry('tenant.create', { slug: 'acme', name: 'Acme', region: 'eu-central-1' }), 'ja')).toBe(
      'テナント Acme をリージョン eu-central-1 に作成しました。',
    );
    expect(say(entry('alerting.import', { channels: { created: 1, updated: 1 }, rules: { created: 3, updated: 0 } }))).toBe(
      'Imported 3 alert rules and 2 channels.',
    );
    expect(say(entry('alert_silence.create', { ruleId: null, endsAt: '2026-12-06T19:00:00.000Z' }))).toBe('Silenced alerts until 2026-12-06 19:00.');
  });

  it('shows an action it does not know by its code', () => {
    expect(say(entry('dashboard.share', { id: 1 }))).toBe('dashboard.share');
  });
});
