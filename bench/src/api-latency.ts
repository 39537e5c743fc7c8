/**
 * Hitmap latency through the real HTTP route `GET /api/v1/tenants/{tenant}/hitmap` of a server
 * process on the bench's data dir: API-key auth, tenant resolution, zod validation, the query
 * and the JSON answer, timed by the client over a keep-alive connection.
 */
import { Agent, request } from 'node:http';
import { type MeridianProcess } from '@meridian/testing';
import { type LatencyStats, repeat } from './latency';

export interface ApiLatencyResult {
  hitmap1h: LatencyStats & { cells: number; responseBytes: number };
  hitmap10m: LatencyStats & { cells: number; responseBytes: number };
}

function get(agent: Agent, port: number, path: string, key: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${key}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function measureApiHitmap(opts: { server: MeridianProcess; tenant: string; nowMs: number; runs: number }): Promise<ApiLatencyResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const one = async (windowMs: number) => {
    const path = `/api/v1/tenants/${encodeURIComponent(opts.tenant)}/hitmap?from=${opts.nowMs - windowMs}&to=${opts.nowMs}`;
    const call = async () => {
      const res = await get(agent, opts.server.ports.api, path, opts.server.apiKey);
      if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      return res.body;
    };
    const { stats, last } = await repeat(call, opts.runs);
    const cells = (JSON.parse(last) as { y: unknown[] }).y.length;
    if (cells === 0) throw new Error(`GET ${path}: no hitmap cells`);
    return { ...stats, cells, responseBytes: Buffer.byteLength(last) };
  };
  try {
    return { hitmap1h: await one(3600_000), hitmap10m: await one(600_000) };
  } finally {
    agent.destroy();
  }
}
