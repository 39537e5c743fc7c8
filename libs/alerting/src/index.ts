export { AlertingModule } from './alerting.module';
export { type AlertingOptions } from './alerting-options';
export { Alerter, type AlerterDeps } from './alerter';
export { SecretBox } from './secret-box';
export { ChannelSender, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, type OpenChannel } from './channel-sender';
export { checkTargetHost, checkTargetUrl, isPrivateAddress, TargetRefusedError } from './target-guard';
export { step, breachOf, type RuleDefinition, type RuleStateSnapshot } from './rule-state';
export { slackMessage, plainText, hitmapLink, type AlertMessage } from './messages';
export { sealChannel, openChannel } from './channel-codec';
// Test helpers (local Slack/webhook receiver, SMTP capture). Not for production code.
export { startHttpReceiver, startSmtpCapture, type ReceivedRequest, type CapturedMail } from './testing';
