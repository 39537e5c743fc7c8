export const ALERTING_OPTIONS = Symbol('AlertingOptions');

export interface AlertingOptions {
  /** AES-256-GCM key for channel secrets (32 bytes). */
  secretsKey: Buffer;
  /** Where users open the UI: the hitmap links in messages point here. */
  publicUrl: string;
  evaluationIntervalMs: number;
  /** Evaluations in flight at once per alerter replica, and of those at most this many per tenant. */
  evaluationConcurrency: number;
  tenantEvaluationConcurrency: number;
  /** Rules one tenant may have (create and import answer 400 beyond). */
  maxRulesPerTenant: number;
  retryInitialMs: number;
  maxAttempts: number;
  /** Hosts/IPs channels may target although private/loopback. */
  allowTargets: readonly string[];
}
