import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a TypeScript module: the tsx loader that `bin/run-ts.js` registers on
 * the main thread is not inherited by workers (nor is `--import tsx` in a worker's execArgv on
 * Node 20), so the worker registers it itself before importing the module.
 */
export function tsWorker(module: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
