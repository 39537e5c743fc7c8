export { AlertChannelsModule, type AlertChannelOptions } from './alert-channels.module';
export { SecretBox } from './secret-box';
export { sealChannel, openChannel } from './channel-codec';
export { ChannelSender, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, type OpenChannel } from './channel-sender';
export { checkTargetHost, checkTargetUrl, TargetRefusedError, TargetUnresolvedError } from './target-guard';
export { hitmapLink, metricLabel } from './messages';
