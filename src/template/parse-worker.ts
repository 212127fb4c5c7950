import { parentPort, workerData } from 'node:worker_threads';
import { mapLimit } from '../core/pool.js';
import { loadTemplate } from './load.js';
import type { WorkerReply } from './load-many.js';

/** A worker thread of loadTemplates: parse its share and send the models back (structured clone). */
let reply: WorkerReply;
try {
  reply = { templates: await mapLimit(workerData as string[], 8, (p) => loadTemplate(p)) };
} catch (err) {
  const e = err as { message?: string; exitCode?: number };
  reply = { error: { message: e.message ?? String(err), exitCode: e.exitCode ?? 2 } };
}
parentPort?.postMessage(reply);
