import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { defaultSileroModelPath, type VadModelInput } from './silero-vad-model.js';
import { VadEngine } from './vad-engine.js';
import type { WorkerStatus } from '../worker-restart.js';
import { VadWorkerRunner } from './vad-worker-runner.js';

function randomItems(count: number, seed = 7): VadModelInput[] {
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  return Array.from({ length: count }, () => ({
    input: Float32Array.from({ length: 576 }, next),
    state: Float32Array.from({ length: 256 }, () => next() * 0.1),
  }));
}

/** Hundreds of milliseconds of inference: still running when the test acts right after posting it. */
const LONG_BATCH = randomItems(4096, 11);

const runners: VadWorkerRunner[] = [];
const tempDirs: string[] = [];

async function startRunner(...args: Parameters<typeof VadWorkerRunner.start>): Promise<VadWorkerRunner> {
  const runner = await VadWorkerRunner.start(...args);
  runners.push(runner);
  return runner;
}

afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('VadWorkerRunner supervision', () => {
  it('a dead worker fails its batches with engine_failure, is replaced, and the new one gives the same results', async () => {
    const statuses: WorkerStatus[] = [];
    const runner = await startRunner({}, { onStatus: (status) => statuses.push(status) });
    const items = randomItems(8);
    const before = await runner.runBatch(items);
    expect(runner.healthy).toBe(true);

    const lost = expect(runner.runBatch(LONG_BATCH)).rejects.toMatchObject({ code: 'engine_failure', message: 'VAD worker failed' });
    await runner.worker!.terminate();
    await lost;
    expect(runner.healthy).toBe(false);
    // While down, work fails at once instead of waiting on a dead thread; no library text reaches the message.
    await expect(runner.runBatch(items)).rejects.toMatchObject({ code: 'engine_failure', message: 'VAD is unavailable' });
    expect(statuses).toEqual([{ kind: 'failed', detail: expect.stringMatching(/exited with code 1; restarting in 100 ms$/) }]);

    await vi.waitFor(() => expect(runner.healthy).toBe(true), { timeout: 20_000 });
    expect(statuses.map((s) => s.kind)).toEqual(['failed', 'restarted']);
    const after = await runner.runBatch(items);
    expect(after.map((o) => o.prob)).toEqual(before.map((o) => o.prob));
    expect(after.map((o) => Array.from(o.state))).toEqual(before.map((o) => Array.from(o.state)));
  });

  it('restarts that fail are retried at doubling intervals until the model loads; a working worker resets the wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-vad-'));
    tempDirs.push(dir);
    const modelPath = join(dir, 'silero_vad.onnx');
    copyFileSync(defaultSileroModelPath(), modelPath);
    const statuses: WorkerStatus[] = [];
    const runner = await startRunner({ modelPath }, { restartDelayMs: 10, maxRestartDelayMs: 40, onStatus: (s) => statuses.push(s) });
    const delays = () => statuses.filter((s) => s.kind === 'failed').map((s) => Number(/restarting in (\d+) ms$/.exec(s.detail)![1]));

    renameSync(modelPath, `${modelPath}.away`);
    await runner.worker!.terminate();
    await vi.waitFor(() => expect(statuses.length).toBeGreaterThanOrEqual(4), { timeout: 20_000 });
    expect(runner.healthy).toBe(false);
    expect(statuses.slice(1).every((s) => s.kind === 'failed' && /model failed to load/.test(s.detail))).toBe(true);
    expect(delays().slice(0, 4)).toEqual([10, 20, 40, 40]);

    renameSync(`${modelPath}.away`, modelPath);
    await vi.waitFor(() => expect(runner.healthy).toBe(true), { timeout: 20_000 });
    expect(statuses.at(-1)!.kind).toBe('restarted');
    await expect(runner.runBatch(randomItems(2))).resolves.toHaveLength(2);

    await runner.worker!.terminate();
    expect(delays().at(-1)).toBe(10);
  });

  it('close() lets the batch in flight finish and the worker exit on its own', async () => {
    const statuses: WorkerStatus[] = [];
    const runner = await startRunner({}, { onStatus: (s) => statuses.push(s) });
    const exitCode = new Promise((resolve) => runner.worker!.once('exit', resolve));
    const running = runner.runBatch(randomItems(256));
    await runner.close();
    await expect(running).resolves.toHaveLength(256);
    expect(await exitCode).toBe(0);
    expect([runner.healthy, runner.worker, statuses]).toEqual([false, undefined, []]);
  });

  it('close() terminates a worker that does not exit within closeTimeoutMs', async () => {
    const statuses: WorkerStatus[] = [];
    const runner = await startRunner({}, { closeTimeoutMs: 1, onStatus: (s) => statuses.push(s) });
    const exitCode = new Promise((resolve) => runner.worker!.once('exit', resolve));
    const running = expect(runner.runBatch(LONG_BATCH)).rejects.toMatchObject({ code: 'session_ended' });
    await runner.close();
    await running;
    expect(await exitCode).toBe(1); // terminated, not exited
    expect([runner.worker, statuses]).toEqual([undefined, []]); // closing is no failure: no restart
  });

  it('rejects supervision limits that make no sense before starting a thread', async () => {
    await expect(VadWorkerRunner.start({}, { restartDelayMs: 0 })).rejects.toMatchObject({ code: 'bad_config' });
    await expect(VadWorkerRunner.start({}, { restartDelayMs: 100, maxRestartDelayMs: 50 })).rejects.toMatchObject({ code: 'bad_config' });
    await expect(VadWorkerRunner.start({}, { closeTimeoutMs: -1 })).rejects.toMatchObject({ code: 'bad_config' });
  });
});

describe('VadEngine health', () => {
  it('is healthy while its worker serves, and no longer once closed; supervision options reach the worker', async () => {
    const engine = await VadEngine.load({ onStatus: () => undefined });
    expect(engine.healthy).toBe(true);
    await engine.close();
    expect(engine.healthy).toBe(false);
    await expect(VadEngine.load({ closeTimeoutMs: -1 })).rejects.toMatchObject({ code: 'bad_config' });
  });
});
