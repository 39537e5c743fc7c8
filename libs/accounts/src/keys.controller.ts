import { Controller, Inject, NotFoundException } from '@nestjs/common';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, Input, TenantOf, type TenantAccess } from '@meridian/api-http';
import { AuditLogRepository, ControlPlaneDb, type IngestKeyRecord, IngestKeyRepository } from '@meridian/control-plane';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { iso } from './http-errors';

type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

/** Ingest and api keys: listed by prefix, the full key shown once, revocation audited. */
@Controller()
export class KeysController {
  constructor(
    @Inject(ControlPlaneDb) private readonly cp: ControlPlaneDb,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  @Endpoint(R.listKeys)
  async list(@TenantOf() t: TenantAccess): Out<'listKeys'> {
    return { keys: (await new IngestKeyRepository(this.cp).listForTenant(t.tenantId)).map(toKeyDto) };
  }

  @Endpoint(R.createKey)
  async create(@TenantOf() t: TenantAccess, @Input() { body }: ParsedInput<typeof R.createKey>): Out<'createKey'> {
    const { key, record } = await this.cp.db.transaction().execute(async (trx) => {
      const created = await new IngestKeyRepository(trx).create(t.tenantId, body);
      await new AuditLogRepository(trx).record({ tenantId: t.tenantId, actor: t.actor, action: `${body.kind}_key.create`, target: `ingest_key:${created.record.id}`, details: { name: created.record.name, kind: body.kind, prefix: created.record.prefix } });
      return created;
    });
    const otelEnv: Record<string, string> =
      body.kind === 'ingest'
        ? { OTEL_EXPORTER_OTLP_ENDPOINT: this.options.otlpEndpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${key}` }
        : {};
    return { key: toKeyDto(record), secret: key, otelEnv };
  }

  @Endpoint(R.revokeKey)
  async revoke(@TenantOf() t: TenantAccess, @Input() { params }: ParsedInput<typeof R.revokeKey>): Promise<void> {
    const record = await new IngestKeyRepository(this.cp).revoke(t.tenantId, params.keyId);
    if (!record) throw new NotFoundException(`keyId: no active key ${params.keyId} in this tenant`);
    await new AuditLogRepository(this.cp).record({ tenantId: t.tenantId, actor: t.actor, action: `${record.kind}_key.revoke`, target: `ingest_key:${record.id}`, details: { name: record.name, prefix: record.prefix } });
  }
}

function toKeyDto(k: IngestKeyRecord) {
  return { id: k.id, name: k.name, prefix: k.prefix, kind: k.kind, createdAt: k.createdAt.toISOString(), lastUsedAt: iso(k.lastUsedAt), revokedAt: iso(k.revokedAt) };
}
