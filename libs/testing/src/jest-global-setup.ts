import { ensureLocalServices } from './local-services';

/** jest globalSetup (jest.config.js): starts a stopped local database server once per run. */
export default async function globalSetup(): Promise<void> {
  await ensureLocalServices();
}
