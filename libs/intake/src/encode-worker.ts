import { parentPort } from 'node:worker_threads';
import { encodeRequest, type EncodeJob } from './request-rows';

// A thread of the EncodePool: runs encodeRequest on the jobs it is sent. The message bodies'
// memory moves back to the main thread (transferred, not copied).
parentPort!.on('message', ({ id, job }: { id: number; job: EncodeJob }) => {
  try {
    const result = encodeRequest(job);
    parentPort!.postMessage({ id, result }, result.messages.map((m) => m.body.buffer as ArrayBuffer));
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ id, error: { name: err?.name ?? 'Error', message: err?.message ?? String(e) } });
  }
});
