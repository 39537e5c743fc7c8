import { parentPort } from 'node:worker_threads';
import { sqlFingerprintReady } from '@meridian/sql-fingerprint';
import { encodeRequest, type EncodeJob } from './request-rows';

// A thread of the EncodePool: runs encodeRequest on the jobs it is sent, in order, once
// PostgreSQL's SQL scanner has loaded (before that, the same statement would get another
// fingerprint). The message bodies' memory moves back to the main thread (transferred, not copied).
const ready = sqlFingerprintReady().then(() => parentPort!.postMessage({ ready: true }));

parentPort!.on('message', async ({ id, job }: { id: number; job: EncodeJob }) => {
  await ready;
  try {
    const result = encodeRequest(job);
    parentPort!.postMessage(
      { id, result },
      result.messages.map((m) => m.body.buffer as ArrayBuffer),
    );
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ id, error: { name: err?.name ?? 'Error', message: err?.message ?? String(e) } });
  }
});
