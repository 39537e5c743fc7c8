import { defineMessages } from '../../lib/i18n';

/** An audit entry as the API lists it. */
export interface AuditEntry {
  action: string;
  actor: string;
  target: string;
  details: Record<string, unknown>;
}

type Role = string;

/** What each recorded action means, as a sentence (details filled in). */
export const auditMessages = defineMessages({
  en: {
    'user.signup': (email: string, via: string) => `Signed up as ${email}${via === 'invitation' ? ' with an invitation' : ''}.`,
    'auth.login': (ip: string) => `Signed in${ip ? ` from ${ip}` : ''}.`,
    'auth.logout': 'Signed out.',
    'auth.login_failed': (ip: string) => `Failed sign-in (wrong password)${ip ? ` from ${ip}` : ''}.`,
    'auth.login_throttled': (ip: string) => `Sign-in refused: too many attempts${ip ? ` from ${ip}` : ''}.`,
    'auth.signup_existing': (ip: string) => `Someone tried to sign up again with this account's email${ip ? ` from ${ip}` : ''}.`,
    'tenant.create': (name: string, region: string) => `Created the tenant ${name} in region ${region}.`,
    'tenant.region_lock': (region: string) => `Fixed the data region to ${region}.`,
    'tenant.rename': (from: string, to: string) => `Renamed the tenant from ${from} to ${to}.`,
    'tenant.ingest_limits_update': 'Changed the ingest limits.',
    ingest_key_create: (name: string, prefix: string) => `Created the ingest key ${name} (${prefix}…).`,
    ingest_key_revoke: (name: string, prefix: string) => `Revoked the ingest key ${name} (${prefix}…).`,
    api_key_create: (name: string, prefix: string) => `Created the API key ${name} (${prefix}…).`,
    api_key_revoke: (name: string, prefix: string) => `Revoked the API key ${name} (${prefix}…).`,
    'invitation.create': (email: string, role: Role) => `Invited ${email} as ${role}.`,
    'invitation.revoke': (email: string) => `Revoked the invitation${email ? ` of ${email}` : ''}.`,
    'member.join': (email: string, role: Role) => `${email} joined as ${role}.`,
    'member.role_change': (email: string, from: Role, to: Role) => `Changed ${email}'s role from ${from} to ${to}.`,
    'member.remove': (email: string) => `Removed ${email} from the tenant.`,
    'alert_rule.put': (key: string) => `Saved the alert rule ${key}.`,
    'alert_rule.delete': 'Deleted an alert rule.',
    'alert_channel.put': (key: string) => `Saved the notification channel ${key}.`,
    'alert_channel.delete': 'Deleted a notification channel.',
    'alert_silence.create': (until: string) => `Silenced alerts until ${until}.`,
    'alert_silence.delete': 'Ended a silence.',
    'alerting.import': (rules: string, channels: string) => `Imported ${rules} alert rules and ${channels} channels.`,
    unknown: (action: string) => action,
  },
  ja: {
    'user.signup': (email: string, via: string) => `${email} として登録しました${via === 'invitation' ? '（招待から）' : ''}。`,
    'auth.login': (ip: string) => `サインインしました${ip ? `（${ip}）` : ''}。`,
    'auth.logout': 'サインアウトしました。',
    'auth.login_failed': (ip: string) => `サインインに失敗しました（パスワード誤り）${ip ? `（${ip}）` : ''}。`,
    'auth.login_throttled': (ip: string) => `試行が多すぎるためサインインを拒否しました${ip ? `（${ip}）` : ''}。`,
    'auth.signup_existing': (ip: string) => `このアカウントのメールアドレスで再登録が試みられました${ip ? `（${ip}）` : ''}。`,
    'tenant.create': (name: string, region: string) => `テナント ${name} をリージョン ${region} に作成しました。`,
    'tenant.region_lock': (region: string) => `データリージョンを ${region} に確定しました。`,
    'tenant.rename': (from: string, to: string) => `テナント名を ${from} から ${to} に変更しました。`,
    'tenant.ingest_limits_update': '取り込み制限を変更しました。',
    ingest_key_create: (name: string, prefix: string) => `取り込みキー ${name}（${prefix}…）を作成しました。`,
    ingest_key_revoke: (name: string, prefix: string) => `取り込みキー ${name}（${prefix}…）を無効にしました。`,
    api_key_create: (name: string, prefix: string) => `API キー ${name}（${prefix}…）を作成しました。`,
    api_key_revoke: (name: string, prefix: string) => `API キー ${name}（${prefix}…）を無効にしました。`,
    'invitation.create': (email: string, role: Role) => `${email} を${role}として招待しました。`,
    'invitation.revoke': (email: string) => `${email ? `${email} への` : ''}招待を取り消しました。`,
    'member.join': (email: string, role: Role) => `${email} が${role}として参加しました。`,
    'member.role_change': (email: string, from: Role, to: Role) => `${email} のロールを${from}から${to}に変更しました。`,
    'member.remove': (email: string) => `${email} をテナントから外しました。`,
    'alert_rule.put': (key: string) => `アラートルール ${key} を保存しました。`,
    'alert_rule.delete': 'アラートルールを削除しました。',
    'alert_channel.put': (key: string) => `通知先 ${key} を保存しました。`,
    'alert_channel.delete': '通知先を削除しました。',
    'alert_silence.create': (until: string) => `${until} までアラートをサイレンスにしました。`,
    'alert_silence.delete': 'サイレンスを終了しました。',
    'alerting.import': (rules: string, channels: string) => `アラートルール ${rules} 件と通知先 ${channels} 件をインポートしました。`,
    unknown: (action: string) => action,
  },
});

type Messages = (typeof auditMessages)['en'];

/**
 * An audit entry as one sentence in the user's language. `role` names a role, `when` formats a
 * time; an action this UI does not know yet is shown by its code.
 */
export function auditSentence(e: AuditEntry, t: Messages, role: (r: string) => string, when: (iso: string) => string): string {
  const d = (k: string) => (e.details[k] === undefined || e.details[k] === null ? '' : String(e.details[k]));
  // Import counts are { created, updated }.
  const count = (k: string) => {
    const v = e.details[k];
    if (typeof v === 'number') return String(v);
    return String(v !== null && typeof v === 'object' ? Object.values(v).reduce<number>((n, x) => n + (typeof x === 'number' ? x : 0), 0) : 0);
  };
  switch (e.action) {
    case 'user.signup':
      return t['user.signup'](d('email'), d('via'));
    case 'auth.login':
    case 'auth.login_failed':
    case 'auth.login_throttled':
    case 'auth.signup_existing':
      return t[e.action](d('ip'));
    case 'auth.logout':
    case 'tenant.ingest_limits_update':
    case 'alert_rule.delete':
    case 'alert_channel.delete':
    case 'alert_silence.delete':
      return t[e.action];
    case 'tenant.create':
      return t['tenant.create'](d('name') || d('slug'), d('region'));
    case 'tenant.region_lock':
      return t['tenant.region_lock'](d('region'));
    case 'tenant.rename':
      return t['tenant.rename'](d('from'), d('to'));
    case 'ingest_key.create':
    case 'ingest_key.revoke':
    case 'api_key.create':
    case 'api_key.revoke':
      return t[e.action.replace('.', '_') as 'ingest_key_create'](d('name'), d('prefix'));
    case 'invitation.create':
    case 'member.join':
      return t[e.action](d('email'), role(d('role')));
    case 'invitation.revoke':
      return t['invitation.revoke'](d('email'));
    case 'member.role_change':
      return t['member.role_change'](d('email'), role(d('from')), role(d('to')));
    case 'member.remove':
      return t['member.remove'](d('email'));
    case 'alert_rule.put':
    case 'alert_channel.put':
      return t[e.action](d('key'));
    case 'alert_silence.create':
      return t['alert_silence.create'](d('endsAt') ? when(d('endsAt')) : '–');
    case 'alerting.import':
      return t['alerting.import'](count('rules'), count('channels'));
    default:
      return t.unknown(e.action);
  }
}
