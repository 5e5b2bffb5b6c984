import { describe, expect, it } from 'vitest';
import { SileroVadModel, type VadModelInput } from './silero-vad-model.js';
import { VadWorkerRunner } from './vad-worker-runner.js';
import { loopTurnsDuring } from '../../test/support/event-loop-turns.js';

function randomItems(count: number): VadModelInput[] {
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  return Array.from({ length: count }, () => ({
    input: Float32Array.from({ length: 576 }, next),
    state: Float32Array.from({ length: 256 }, () => next() * 0.1),
  }));
}

describe('VadWorkerRunner', () => {
  it('gives the same results as the model on this thread', async () => {
    const items = randomItems(8);
    const worker = await VadWorkerRunner.start();
    const local = await SileroVadModel.load();
    try {
      const [remote, here] = await Promise.all([worker.runBatch(items), local.runBatch(items)]);
      remote.forEach((out, i) => {
        expect(out.prob).toBeCloseTo(here[i]!.prob, 6);
        expect(Array.from(out.state)).toEqual(Array.from(here[i]!.state));
      });
    } finally {
      await Promise.all([worker.close(), local.close()]);
    }
  });

  it('keeps the event loop turning during inference, unlike a run on this thread', async () => {
    const items = randomItems(512);
    const worker = await VadWorkerRunner.start();
    const local = await SileroVadModel.load();
    try {
      const onWorker = await loopTurnsDuring(() => worker.runBatch(items));
      const onThisThread = await loopTurnsDuring(() => local.runBatch(items));
      expect(onThisThread).toBeLessThanOrEqual(3);
      expect(onWorker).toBeGreaterThan(10);
    } finally {
      await Promise.all([worker.close(), local.close()]);
    }
  });

  it('rejects work after close', async () => {
    const worker = await VadWorkerRunner.start();
    await worker.close();
    await expect(worker.runBatch(randomItems(1))).rejects.toMatchObject({ code: 'session_ended' });
  });
});
