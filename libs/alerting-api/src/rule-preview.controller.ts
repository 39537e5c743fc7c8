import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import type { Answer, InputOf } from './alerting-config.service';
import { RulePreviewService } from './rule-preview.service';

/** The rule editor's preview: an unsaved rule evaluated over the tenant's recent data. */
@Controller()
export class RulePreviewController {
  constructor(@Inject(RulePreviewService) private readonly previews: RulePreviewService) {}

  @Endpoint(R.previewAlertRule)
  preview(@TenantOf() t: TenantAccess, @Input() { body }: InputOf<'previewAlertRule'>): Answer<'previewAlertRule'> {
    return this.previews.preview(t, body.rule, body.hours);
  }
}
