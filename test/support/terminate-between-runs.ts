import type { Worker } from 'node:worker_threads';

/**
 * Ends a model worker thread as a crash would, but right after it answered a request and
 * before it gets the next: onnxruntime-node aborts the whole process (`terminate called after
 * throwing an instance of 'Napi::Error'`) when a worker is terminated while it is inside an
 * ONNX Runtime call. The batchers send the next request on a later macrotask, so the worker
 * is idle at this point. Needs traffic: it waits for the worker's next answer.
 */
export function terminateBetweenRuns(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once('message', () => worker.terminate().then(resolve, reject));
  });
}
