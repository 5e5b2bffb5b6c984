import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParleyError } from '../../proto/errors.js';
import type { VadModelInput, VadModelOutput } from './silero-vad-model.js';
import { VadBatcher, type VadBatchRunner } from './vad-batcher.js';

/** A runner that records each batch (by item tag) and answers when the test releases it. */
class FakeRunner implements VadBatchRunner {
  readonly batches: number[][] = [];
  private readonly releases: Array<() => void> = [];
  constructor(private readonly manual = false) {}

  runBatch(items: readonly VadModelInput[]): Promise<VadModelOutput[]> {
    this.batches.push(items.map((item) => item.input[0]!));
    const outputs = items.map((item) => ({ prob: item.input[0]! / 1000, state: item.state }));
    if (!this.manual) return Promise.resolve(outputs);
    return new Promise((resolve) => this.releases.push(() => resolve(outputs)));
  }

  /** Answers the oldest unanswered batch. */
  release(): void {
    this.releases.shift()!();
  }
}

function item(tag: number): VadModelInput {
  const input = new Float32Array(576);
  input[0] = tag;
  return { input, state: new Float32Array(256) };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('VadBatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('batches requests of the same tick and respects maxBatch', async () => {
    const runner = new FakeRunner();
    const batcher = new VadBatcher(runner, { maxBatch: 4 });
    const outputs = await Promise.all([...Array(10).keys()].map((tag) => batcher.run(item(tag))));
    expect(outputs.map((o) => o.prob * 1000)).toEqual([...Array(10).keys()]);
    expect(runner.batches).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batcher.stats).toEqual({ batches: 3, items: 10, largestBatch: 4 });
    await batcher.close();
  });

  it('with maxWaitMs 0 flushes on the next macrotask', async () => {
    const runner = new FakeRunner();
    const batcher = new VadBatcher(runner);
    const first = [batcher.run(item(1)), batcher.run(item(2))];
    await tick();
    const second = batcher.run(item(3));
    await Promise.all([...first, second]);
    expect(runner.batches).toEqual([[1, 2], [3]]);
    await batcher.close();
  });

  it('waits up to maxWaitMs for more requests, but never once the batch is full', async () => {
    vi.useFakeTimers();
    const runner = new FakeRunner();
    const batcher = new VadBatcher(runner, { maxBatch: 3, maxWaitMs: 30 });
    const a = batcher.run(item(1));
    await vi.advanceTimersByTimeAsync(20);
    const b = batcher.run(item(2));
    await vi.advanceTimersByTimeAsync(9);
    expect(runner.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.batches).toEqual([[1, 2]]);
    await Promise.all([a, b]);

    const full = [4, 5, 6].map((tag) => batcher.run(item(tag)));
    expect(runner.batches).toEqual([[1, 2], [4, 5, 6]]);
    await Promise.all(full);
    expect(vi.getTimerCount()).toBe(0);
    await batcher.close();
  });

  it('runs one batch at a time; requests arriving meanwhile form the next batch', async () => {
    const runner = new FakeRunner(true);
    const batcher = new VadBatcher(runner, { maxBatch: 8 });
    const first = batcher.run(item(1));
    await tick();
    const later = [batcher.run(item(2)), batcher.run(item(3))];
    await tick();
    expect(runner.batches).toEqual([[1]]);
    runner.release();
    await tick();
    expect(runner.batches).toEqual([[1], [2, 3]]);
    runner.release();
    expect((await first).prob).toBeCloseTo(0.001);
    expect((await Promise.all(later)).map((o) => o.prob * 1000)).toEqual([2, 3]);
    await batcher.close();
  });

  it('close() rejects queued requests, lets the running batch finish and clears timers', async () => {
    vi.useFakeTimers();
    const runner = new FakeRunner(true);
    const batcher = new VadBatcher(runner, { maxBatch: 1, maxWaitMs: 50 });
    const running = batcher.run(item(1));
    const queued = batcher.run(item(2));
    expect(runner.batches).toEqual([[1]]);
    expect(vi.getTimerCount()).toBe(1);

    const closed = batcher.close();
    expect(vi.getTimerCount()).toBe(0);
    await expect(queued).rejects.toMatchObject({ code: 'session_ended' });
    await expect(queued).rejects.toBeInstanceOf(ParleyError);
    let closeDone = false;
    void closed.then(() => (closeDone = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(closeDone).toBe(false);

    runner.release();
    await expect(running).resolves.toMatchObject({ prob: 0.001 });
    await closed;
    expect(batcher.close()).toBe(closed);
    await expect(batcher.run(item(3))).rejects.toMatchObject({ code: 'session_ended' });
    expect(runner.batches).toEqual([[1]]);
  });

  it('a failing run rejects its batch with engine_failure and the next batch still runs', async () => {
    let calls = 0;
    const batcher = new VadBatcher({
      runBatch: async (items) => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return items.map((i) => ({ prob: 0.5, state: i.state }));
      },
    });
    const failed = [batcher.run(item(1)), batcher.run(item(2))];
    for (const p of failed) await expect(p).rejects.toMatchObject({ code: 'engine_failure' });
    await expect(batcher.run(item(3))).resolves.toMatchObject({ prob: 0.5 });
    await batcher.close();
  });

  it('drops the chunks of streams closed while they were queued: the model never sees them', async () => {
    const runner = new FakeRunner();
    const batcher = new VadBatcher(runner);
    let closed = false;
    const dropped = batcher.run(item(1), () => closed);
    const kept = batcher.run(item(2), () => false);
    closed = true;
    await expect(dropped).rejects.toMatchObject({ code: 'session_ended' });
    await expect(kept).resolves.toMatchObject({ prob: 0.002 });
    expect(runner.batches).toEqual([[2]]);
    expect(batcher.stats).toEqual({ batches: 1, items: 1, largestBatch: 1 });

    const alone = batcher.run(item(3), () => true);
    await expect(alone).rejects.toMatchObject({ code: 'session_ended' });
    expect(runner.batches).toEqual([[2]]); // no model run for a batch of dropped chunks
    await batcher.close();
  });

  it('checks for closed streams when the scheduler starts the batch, not when it was formed', async () => {
    const runner = new FakeRunner();
    const held: Array<() => void> = [];
    const batcher = new VadBatcher(runner, {
      runThrough: (run) => new Promise<void>((resolve) => held.push(resolve)).then(run),
    });
    const closed = new Set<number>();
    const results = [1, 2, 3].map((tag) => batcher.run(item(tag), () => closed.has(tag)));
    await tick();
    expect(held).toHaveLength(1); // formed and handed to the scheduler
    closed.add(1).add(3);
    held.shift()!();
    const settled = await Promise.allSettled(results);
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect(runner.batches).toEqual([[2]]);
    await batcher.close();
  });

  it('a batch the scheduler drops rejects with its error and never reaches the model', async () => {
    const runner = new FakeRunner();
    const dropped = new ParleyError('session_ended', 'dropped');
    const batcher = new VadBatcher(runner, { runThrough: () => Promise.reject(dropped) });
    await expect(batcher.run(item(1))).rejects.toBe(dropped);
    expect(runner.batches).toEqual([]);
    await batcher.close();
  });

  it('rejects bad limits', () => {
    const runner = new FakeRunner();
    expect(() => new VadBatcher(runner, { maxBatch: 0 })).toThrow(ParleyError);
    expect(() => new VadBatcher(runner, { maxWaitMs: -1 })).toThrow(ParleyError);
  });
});
