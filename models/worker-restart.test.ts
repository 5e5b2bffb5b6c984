import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { RestartBackoff, stopWorker, WorkerRestarter, type WorkerStatus } from './worker-restart.js';

describe('RestartBackoff', () => {
  it('doubles from the first delay up to the cap, and starts over after reset', () => {
    const backoff = new RestartBackoff(100, 5000);
    expect(Array.from({ length: 9 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    backoff.reset();
    expect([backoff.next(), backoff.next()]).toEqual([100, 200]);
  });

  it('rejects delays that make no sense', () => {
    expect(() => new RestartBackoff(0, 100)).toThrow(/restartDelayMs/);
    expect(() => new RestartBackoff(Number.NaN, 100)).toThrow(/restartDelayMs/);
    expect(() => new RestartBackoff(200, 100)).toThrow(/maxRestartDelayMs/);
  });
});

describe('WorkerRestarter', () => {
  it('reports each failure with its wait, launches after it, reports the restart, and starts over once a worker works', async () => {
    const statuses: WorkerStatus[] = [];
    let launches = 0;
    let failNext = 2;
    const restarter: WorkerRestarter = new WorkerRestarter('test worker', { restartDelayMs: 5, maxRestartDelayMs: 20, onStatus: (s) => statuses.push(s) }, async () => {
      launches++;
      if (failNext-- > 0) {
        // As a real launch does: its own failure is reported and the next try scheduled.
        restarter.failed('would not load');
        throw new Error('would not load');
      }
    });
    restarter.failed('exited with code 1');
    await vi.waitFor(() => expect(statuses.at(-1)?.kind).toBe('restarted'));
    expect(launches).toBe(3);
    expect(statuses).toEqual([
      { kind: 'failed', detail: 'exited with code 1; restarting in 5 ms' },
      { kind: 'failed', detail: 'would not load; restarting in 10 ms' },
      { kind: 'failed', detail: 'would not load; restarting in 20 ms' },
      { kind: 'restarted', detail: 'test worker serves again' },
    ]);
    restarter.worked();
    restarter.failed('exited again');
    expect(statuses.at(-1)).toEqual({ kind: 'failed', detail: 'exited again; restarting in 5 ms' });
    restarter.cancel();
  });

  it('counts a launch that throws at once as a failed try, and launches nothing once cancelled', async () => {
    const statuses: WorkerStatus[] = [];
    let launches = 0;
    const restarter = new WorkerRestarter('test worker', { restartDelayMs: 5, onStatus: (s) => statuses.push(s) }, () => {
      launches++;
      throw new Error('cannot create a thread');
    });
    restarter.failed('exited with code 1');
    await vi.waitFor(() => expect(statuses.length).toBeGreaterThanOrEqual(2));
    expect(statuses[1]).toEqual({ kind: 'failed', detail: 'cannot create a thread; restarting in 10 ms' });
    restarter.cancel();
    const tries = launches;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(launches).toBe(tries);
  });
});

describe('stopWorker', () => {
  const source = (onClose: string) => `
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (m) => { if (m.type === 'close') { ${onClose} } });
  `;

  it('lets a worker that heeds the close request exit by itself', async () => {
    const worker = new Worker(source('parentPort.close();'), { eval: true });
    let code: number | undefined;
    worker.once('exit', (c) => (code = c));
    await stopWorker(worker, { type: 'close' }, 5000);
    expect(code).toBe(0);
  });

  it('terminates one that does not within the grace', async () => {
    const worker = new Worker(source('setInterval(() => undefined, 1000);'), { eval: true });
    let code: number | undefined;
    worker.once('exit', (c) => (code = c));
    await stopWorker(worker, { type: 'close' }, 50);
    expect(code).toBe(1);
  });
});
