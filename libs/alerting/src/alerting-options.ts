export const ALERTING_OPTIONS = Symbol('AlertingOptions');

export interface AlertingOptions {
  /** AES-256-GCM key for channel secrets (32 bytes). */
  secretsKey: Buffer;
  /** Where users open the UI: the hitmap links in messages point here. */
  publicUrl: string;
  evaluationIntervalMs: number;
  retryInitialMs: number;
  maxAttempts: number;
  /** Hosts/IPs channels may target although private/loopback. */
  allowTargets: readonly string[];
}
