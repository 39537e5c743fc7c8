import { Controller, Inject } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { KeysService } from './keys.service';
import type { Answer } from './route-types';

@Controller()
export class KeysController {
  constructor(@Inject(KeysService) private readonly keys: KeysService) {}

  @Endpoint(R.listKeys)
  list(@TenantOf() t: TenantAccess): Answer<'listKeys'> {
    return this.keys.list(t);
  }

  @Endpoint(R.createKey)
  create(@TenantOf() t: TenantAccess, @Input() { body }: ParsedInput<typeof R.createKey>): Answer<'createKey'> {
    return this.keys.create(t, body);
  }

  @Endpoint(R.revokeKey)
  revoke(@TenantOf() t: TenantAccess, @Input() { params }: ParsedInput<typeof R.revokeKey>): Promise<void> {
    return this.keys.revoke(t, params.keyId);
  }
}
