import { type MeridianProcess, type StartOptions, startMeridian } from './meridian-process';
import { SessionClient } from './session-client';

export interface TenantFixture {
  meridian: MeridianProcess;
  /** `http://127.0.0.1:<api port>`: API and UI. */
  base: string;
  /** Signed-in owner of the tenant (cookie jar + CSRF token). */
  owner: SessionClient;
  slug: string;
  ingestKey: string;
}

/**
 * A running server with a fresh signed-up owner, a tenant of theirs in the default region and an
 * ingest key: the starting point of the browser and alerting tests.
 */
export async function startTenantFixture(label: string, options: StartOptions = {}): Promise<TenantFixture> {
  const meridian = await startMeridian(options);
  const base = `http://127.0.0.1:${meridian.ports.api}`;
  const owner = await SessionClient.signUp({ base, dataDir: meridian.dataDir }, `${label}-${Date.now()}@example.com`);
  const slug = `${label}-${Date.now().toString(36)}`;
  const { defaultRegion } = await owner.call('listRegions', {});
  await owner.call('createTenant', { body: { slug, name: `${label} team`, region: defaultRegion } });
  const ingestKey = (await owner.call('createKey', { params: { tenant: slug }, body: { name: 'e2e', kind: 'ingest' } })).secret;
  return { meridian, base, owner, slug, ingestKey };
}
