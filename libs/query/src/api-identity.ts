/** Tenant an API token belongs to (resolved by the control plane). */
export interface ApiIdentity {
  tenantId: string;
  tenantSlug: string;
  region: string;
}

/** Port to the control plane: resolves a presented API token, undefined when unknown or revoked. */
export interface ApiKeyVerifier {
  verify(presentedKey: string): Promise<ApiIdentity | undefined>;
}
export const API_KEY_VERIFIER = Symbol('ApiKeyVerifier');
