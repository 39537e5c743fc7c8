/** Minimal client for Meridian's read API, as a script or the UI would use it. */
export class ApiClient {
  constructor(
    private readonly port: number,
    private readonly apiKey: string,
    private readonly tenant = 'demo',
  ) {}

  async get<T = unknown>(path: string, query: Record<string, string | number | undefined> = {}): Promise<{ status: number; body: T }> {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined) as [string, string][]).toString();
    const res = await fetch(`http://127.0.0.1:${this.port}/api/v1/tenants/${this.tenant}${path}${qs ? `?${qs}` : ''}`, {
      headers: { authorization: `Bearer ${this.apiKey}` },
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Polls until `fn` returns a value (not undefined) or the timeout passes. */
  async eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const v = await fn();
        if (v !== undefined) return v;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
  }
}
