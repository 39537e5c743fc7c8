export { MailOutbox, type MailSettings } from './mail-outbox';
