import { ROLES, roleAtLeast, type Role } from '@meridian/api-contract';
import { defineMessages } from './i18n';

export { ROLES, roleAtLeast, type Role };

/** Role names and what each may do, for role pickers and member lists. */
export const roleMessages = defineMessages({
  en: {
    viewer: 'Viewer',
    member: 'Member',
    admin: 'Admin',
    owner: 'Owner',
    viewerHelp: 'reads telemetry and settings',
    memberHelp: 'also edits alert rules, notification channels and silences',
    adminHelp: 'also manages keys, members and invitations',
    ownerHelp: 'everything, including the tenant itself',
  },
  ja: {
    viewer: '閲覧者',
    member: 'メンバー',
    admin: '管理者',
    owner: 'オーナー',
    viewerHelp: 'テレメトリと設定の閲覧',
    memberHelp: 'アラートルール・通知先・サイレンスの編集も可能',
    adminHelp: 'キー・メンバー・招待の管理も可能',
    ownerHelp: 'テナント自体を含むすべての操作',
  },
});
