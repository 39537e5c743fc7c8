import { randomBytes } from 'node:crypto';
import { ControlPlaneRepository } from './control-plane-transactions';

/** Secrets all replicas share (e.g. the CSRF key): made once by whichever replica starts first. */
export class ServerSecretRepository extends ControlPlaneRepository {
  async getOrCreate(name: string): Promise<string> {
    await this.db
      .insertInto('server_secrets')
      .values({ name, value: randomBytes(32).toString('base64url') })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }
}
