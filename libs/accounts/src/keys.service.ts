import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { TenantAccess } from '@meridian/api-http';
import { AuditLogRepository, ControlPlaneTransactions, type IngestKeyRecord, IngestKeyRepository } from '@meridian/control-plane';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { iso } from './http-errors';
import type { Answer, BodyOf } from './route-types';

/** Ingest and api keys: listed by prefix, the full key shown once, creation and revocation audited. */
@Injectable()
export class KeysService {
  constructor(
    @Inject(IngestKeyRepository) private readonly keys: IngestKeyRepository,
    @Inject(AuditLogRepository) private readonly audit: AuditLogRepository,
    @Inject(ControlPlaneTransactions) private readonly transactions: ControlPlaneTransactions,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  async list(t: TenantAccess): Answer<'listKeys'> {
    return { keys: (await this.keys.listForTenant(t.tenantId)).map(toKeyDto) };
  }

  /** The key with its audit entry, or neither; ingest keys come with the SDK environment to use them. */
  async create(t: TenantAccess, body: BodyOf<'createKey'>): Answer<'createKey'> {
    const { key, record } = await this.transactions.run(async () => {
      const created = await this.keys.create(t.tenantId, body);
      await this.audit.record({
        tenantId: t.tenantId,
        actor: t.actor,
        action: `${body.kind}_key.create`,
        target: `ingest_key:${created.record.id}`,
        details: { name: created.record.name, kind: body.kind, prefix: created.record.prefix },
      });
      return created;
    });
    const otelEnv: Record<string, string> =
      body.kind === 'ingest'
        ? {
            OTEL_EXPORTER_OTLP_ENDPOINT: this.options.otlpEndpoint,
            OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
            OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${key}`,
          }
        : {};
    return { key: toKeyDto(record), secret: key, otelEnv };
  }

  async revoke(t: TenantAccess, keyId: string): Promise<void> {
    const record = await this.keys.revoke(t.tenantId, keyId);
    if (!record) throw new NotFoundException(`keyId: no active key ${keyId} in this tenant`);
    await this.audit.record({
      tenantId: t.tenantId,
      actor: t.actor,
      action: `${record.kind}_key.revoke`,
      target: `ingest_key:${record.id}`,
      details: { name: record.name, prefix: record.prefix },
    });
  }
}

function toKeyDto(k: IngestKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    kind: k.kind,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
  };
}
