import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import { mapLimit } from '../core/pool.js';
import { loadTemplate } from './load.js';
import type { Template } from './model.js';

/** The compiled worker; absent when running from TypeScript sources (tests), then all is in-process. */
const WORKER = new URL('./parse-worker.js', import.meta.url);
/** Below this, a worker's start-up (its own wasm grammars, ~200 ms) costs more than it saves. */
const PARALLEL_FROM = 64;
/** Reads overlap parsing within one thread. */
const IO_OVERLAP = 8;

export interface WorkerReply {
  templates?: Template[];
  error?: { message: string; exitCode: number };
}

/**
 * Load many templates in input order. Parsing is CPU-bound tree-sitter work (~10 ms a
 * template), so large runs are split over worker threads, the main thread taking a share
 * (measured better on 2 cores than leaving it idle: bench/RESULTS.md, "Lint").
 */
export async function loadTemplates(paths: string[], threads = availableParallelism()): Promise<Template[]> {
  const workers = Math.min(threads, 4) - 1;
  if (paths.length < PARALLEL_FROM || workers < 1 || !existsSync(WORKER)) {
    return mapLimit(paths, IO_OVERLAP, (p) => loadTemplate(p));
  }
  const size = Math.ceil(paths.length / (workers + 1));
  const chunks: string[][] = [];
  for (let i = 0; i < paths.length; i += size) chunks.push(paths.slice(i, i + size));
  const [mine = [], ...theirs] = chunks;
  const parts = await Promise.all([
    mapLimit(mine, IO_OVERLAP, (p) => loadTemplate(p)),
    ...theirs.map(inWorker),
  ]);
  return parts.flat();
}

function inWorker(paths: string[]): Promise<Template[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: paths });
    let settled = false;
    worker.once('message', (reply: WorkerReply) => {
      settled = true;
      if (reply.error) reject(new UserError(reply.error.message, reply.error.exitCode));
      else resolve(reply.templates ?? []);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`template parser thread exited with code ${code} before answering`));
    });
  });
}
