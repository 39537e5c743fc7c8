import { type DynamicModule, Module } from '@nestjs/common';
import { ChannelSender } from './channel-sender';
import { SecretBox } from './secret-box';

/** What both alerting roles need to reach a channel. */
export interface AlertChannelOptions {
  /** AES-256-GCM key for channel secrets (32 bytes). */
  secretsKey: Buffer;
  /** Hosts/IPs channels may target although private/loopback. */
  allowTargets: readonly string[];
}

/** Provides the SecretBox (channel secrets at rest) and the ChannelSender (delivery, SSRF-guarded). */
@Module({})
export class AlertChannelsModule {
  static forRoot(options: AlertChannelOptions): DynamicModule {
    return {
      module: AlertChannelsModule,
      providers: [
        { provide: SecretBox, useValue: new SecretBox(options.secretsKey) },
        { provide: ChannelSender, useValue: new ChannelSender({ allowTargets: options.allowTargets }) },
      ],
      exports: [SecretBox, ChannelSender],
    };
  }
}
