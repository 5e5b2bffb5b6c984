import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ParleyError } from '../../proto/errors.js';
import { batchDueAt, formBatch, type QueuedRequest } from './batch-formation.js';
import { ModelBatcher } from './model-batcher.js';
import { WORK_TIER, type WorkClass } from '../../server/scheduler/work-class.js';

const CLASSES: WorkClass[] = ['vad', 'final', 'partial'];

const requests = fc
  .array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), workClass: fc.constantFrom(...CLASSES), deadline: fc.integer({ min: 0, max: 100 }), enqueuedAt: fc.integer({ min: 0, max: 100 }) }), { maxLength: 30 })
  .map((list): QueuedRequest[] => list.map(({ workClass, ...r }, seq) => ({ ...r, tier: WORK_TIER[workClass], seq })));

function rank(queue: readonly QueuedRequest[], key: string): [number, number, number] {
  return queue
    .filter((r) => r.key === key)
    .map((r): [number, number, number] => [r.tier, r.deadline, r.seq])
    .sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2])[0]!;
}

describe('batch formation', () => {
  it('takes at most maxBatch requests, one per key, each its key\'s first submitted, from the most urgent keys', () => {
    fc.assert(
      fc.property(requests, fc.integer({ min: 1, max: 8 }), (queue, maxBatch) => {
        const batch = formBatch(queue, maxBatch);
        const keys = new Set(queue.map((r) => r.key));
        expect(batch.length).toBe(Math.min(maxBatch, keys.size));
        expect(new Set(batch.map((r) => r.key)).size).toBe(batch.length);
        for (const chosen of batch) expect(chosen.seq).toBe(Math.min(...queue.filter((r) => r.key === chosen.key).map((r) => r.seq)));
        // No key left out ranks before a key taken.
        const taken = new Set(batch.map((r) => r.key));
        for (const left of [...keys].filter((k) => !taken.has(k))) {
          for (const key of taken) {
            const [a, b] = [rank(queue, left), rank(queue, key)];
            expect(a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))).toBe(false);
          }
        }
      }),
    );
  });

  it('lets a batch wait no longer than maxWaitMs after its oldest request, nor into the earliest deadline less the service time', () => {
    fc.assert(
      fc.property(requests.filter((q) => q.length > 0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 20 }), (queue, maxWait, service) => {
        const due = batchDueAt(queue, maxWait, service);
        expect(due).toBeLessThanOrEqual(Math.min(...queue.map((r) => r.enqueuedAt)) + maxWait);
        expect(due).toBeLessThanOrEqual(Math.min(...queue.map((r) => r.deadline)) - service);
        expect(due === Math.min(...queue.map((r) => r.enqueuedAt)) + maxWait || due === Math.min(...queue.map((r) => r.deadline)) - service).toBe(true);
      }),
    );
  });
});

describe('ModelBatcher', () => {
  const submissions = fc.array(
    fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), workClass: fc.constantFrom(...CLASSES), slack: fc.integer({ min: 0, max: 30 }), gap: fc.integer({ min: 0, max: 3 }), cancel: fc.boolean() }),
    { minLength: 1, maxLength: 25 },
  );

  it('runs every request once with its own result, keys in submission order, never two of a key in a batch; cancelled keys never run', async () => {
    await fc.assert(
      fc.asyncProperty(submissions, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), async (plan, maxBatch, maxWaitMs) => {
        const batches: number[][] = [];
        const batcher = new ModelBatcher<number, number, WorkClass>({
          tierOf: (c) => WORK_TIER[c],
          model: 'test',
          maxBatch,
          maxWaitMs,
          runBatch: async (inputs) => {
            batches.push(inputs);
            await new Promise((resolve) => setTimeout(resolve, 1));
            return inputs.map((i) => i * 10);
          },
        });
        const settled: Array<{ key: string; id: number; outcome: 'ok' | 'dropped' }> = [];
        const cancelledAfter = new Map<string, number>();
        const all: Promise<void>[] = [];
        for (const [id, step] of plan.entries()) {
          all.push(
            batcher.submit({ key: step.key, workClass: step.workClass, deadline: performance.now() + step.slack, input: id }).then(
              (out) => {
                expect(out).toBe(id * 10);
                settled.push({ key: step.key, id, outcome: 'ok' });
              },
              (error: { code?: string }) => {
                expect(error.code).toBe('session_ended');
                settled.push({ key: step.key, id, outcome: 'dropped' });
              },
            ),
          );
          if (step.cancel) {
            batcher.cancel(step.key);
            cancelledAfter.set(step.key, batches.flat().length);
          }
          if (step.gap > 0) await new Promise((resolve) => setTimeout(resolve, step.gap));
        }
        await Promise.all(all);
        expect(settled).toHaveLength(plan.length);
        for (const batch of batches) {
          expect(batch.length).toBeLessThanOrEqual(maxBatch);
          expect(new Set(batch.map((id) => plan[id]!.key)).size).toBe(batch.length);
        }
        const ran = batches.flat();
        expect(new Set(ran).size).toBe(ran.length);
        for (const key of new Set(plan.map((p) => p.key))) {
          const order = ran.filter((id) => plan[id]!.key === key);
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }
        for (const s of settled) expect(ran.includes(s.id)).toBe(s.outcome === 'ok');
        batcher.close();
      }),
      { numRuns: 40 },
    );
  });

  it('forms one batch of the requests that arrive within maxWaitMs, and reports it', async () => {
    const reported: Array<[number, number]> = [];
    const batches: string[][] = [];
    const batcher = new ModelBatcher<string, string, WorkClass>({
      tierOf: (c) => WORK_TIER[c],
      model: 'm',
      maxBatch: 8,
      maxWaitMs: 20,
      runBatch: async (inputs) => (batches.push(inputs), inputs),
      observer: { batch: (_model, size, waits) => reported.push([size, Math.max(...waits)]) },
    });
    const far = performance.now() + 1000;
    const outputs = Promise.all(['a', 'b', 'c'].map((key) => batcher.submit({ key, workClass: 'partial', deadline: far, input: key })));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const late = batcher.submit({ key: 'd', workClass: 'partial', deadline: far, input: 'd' });
    expect(await outputs).toEqual(['a', 'b', 'c']);
    await late;
    expect(batches).toEqual([['a', 'b', 'c', 'd']]);
    expect(reported[0]![0]).toBe(4);
    expect(reported[0]![1]).toBeGreaterThanOrEqual(15);
  });

  it('does not wait for batch-mates past the earliest deadline: a request with no slack runs at once', async () => {
    const batches: string[][] = [];
    const batcher = new ModelBatcher<string, string, WorkClass>({
      tierOf: (c) => WORK_TIER[c], model: 'm', maxBatch: 8, maxWaitMs: 1000, runBatch: async (inputs) => (batches.push(inputs), inputs) });
    const startedAt = performance.now();
    await batcher.submit({ key: 'a', workClass: 'final', deadline: startedAt, input: 'a' });
    expect(performance.now() - startedAt).toBeLessThan(500);
    expect(batches).toEqual([['a']]);
  });

  it('fails every request of a batch whose model run failed, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new ModelBatcher<number, number, WorkClass>({
          tierOf: (c) => WORK_TIER[c],
      model: 'm',
      maxBatch: 2,
      maxWaitMs: 0,
      runBatch: async (inputs) => {
        if (calls++ === 0) throw new Error('model crashed');
        return inputs;
      },
    });
    const now = performance.now();
    const first = [1, 2].map((input) => batcher.submit({ key: `k${input}`, workClass: 'partial', deadline: now, input }));
    await expect(Promise.all(first)).rejects.toThrow('model crashed');
    await expect(batcher.submit({ key: 'k1', workClass: 'partial', deadline: now, input: 3 })).resolves.toBe(3);
  });

  const tierOf = (c: WorkClass) => WORK_TIER[c];
  const echo = async (inputs: string[]) => inputs;

  it('with maxWaitMs 0, requests of the same tick share one batch, which starts on the next macrotask; maxBatch splits it', async () => {
    const batches: string[][] = [];
    const batcher = new ModelBatcher<string, string, WorkClass>({ model: 'm', tierOf, maxBatch: 3, maxWaitMs: 0, runBatch: async (inputs) => (batches.push(inputs), inputs) });
    const now = performance.now() + 1000;
    const all = Promise.all(['a', 'b', 'c', 'd'].map((key) => batcher.submit({ key, workClass: 'vad', deadline: now, input: key })));
    expect(batches).toEqual([]);
    await all;
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
    expect(batcher.stats).toEqual({ batches: 2, items: 4, largestBatch: 3 });
  });

  it('drops a request whose key is cancelled while its batch waits for the scheduler: the model never sees it', async () => {
    const held: Array<() => void> = [];
    const batches: string[][] = [];
    const batcher = new ModelBatcher<string, string, WorkClass>({
      model: 'm',
      tierOf,
      maxBatch: 4,
      maxWaitMs: 0,
      runBatch: async (inputs) => (batches.push(inputs), inputs),
      // A scheduler that holds the batch, as a busy one would.
      runThrough: (_class, _deadline, run) => new Promise<void>((resolve) => held.push(resolve)).then(run),
    });
    const now = performance.now() + 1000;
    const dropped = batcher.submit({ key: 'closing', workClass: 'vad', deadline: now, input: 'x' });
    const kept = batcher.submit({ key: 'staying', workClass: 'vad', deadline: now, input: 'y' });
    await vi.waitFor(() => expect(held).toHaveLength(1));
    batcher.cancel('closing');
    held.shift()!();
    await expect(dropped).rejects.toMatchObject({ code: 'session_ended' });
    await expect(kept).resolves.toBe('y');
    expect(batches).toEqual([['y']]);
  });

  it('a batch the scheduler drops rejects with the scheduler\'s error and never reaches the model', async () => {
    let ran = 0;
    const batcher = new ModelBatcher<string, string, WorkClass>({
      model: 'm',
      tierOf,
      maxBatch: 4,
      maxWaitMs: 0,
      runBatch: async (inputs) => (ran++, inputs),
      runThrough: () => Promise.reject(new ParleyError('session_ended', 'the scheduler is closed')),
    });
    await expect(batcher.submit({ key: 'a', workClass: 'vad', deadline: 0, input: 'a' })).rejects.toMatchObject({ code: 'session_ended' });
    expect(ran).toBe(0);
  });

  it('runs one batch at a time: requests arriving meanwhile form the next; close() rejects the waiting ones and lets the running one finish', async () => {
    let release!: () => void;
    const batches: string[][] = [];
    const batcher = new ModelBatcher<string, string, WorkClass>({
      model: 'm',
      tierOf,
      maxBatch: 8,
      maxWaitMs: 0,
      runBatch: async (inputs) => {
        batches.push(inputs);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return inputs;
      },
    });
    const now = performance.now() + 1000;
    const first = batcher.submit({ key: 'a', workClass: 'vad', deadline: now, input: 'a' });
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    const waiting = batcher.submit({ key: 'b', workClass: 'vad', deadline: now, input: 'b' });
    expect(batcher.waiting).toBe(1);
    const closed = batcher.close();
    await expect(waiting).rejects.toMatchObject({ code: 'session_ended' });
    release();
    await closed;
    await expect(first).resolves.toBe('a');
    expect(batches).toEqual([['a']]);
    await expect(batcher.submit({ key: 'c', workClass: 'vad', deadline: now, input: 'c' })).rejects.toMatchObject({ code: 'session_ended' });
  });

  it('refuses bad limits', () => {
    expect(() => new ModelBatcher({ model: 'm', tierOf, maxBatch: 0, maxWaitMs: 0, runBatch: echo })).toThrow(/maxBatch/);
    expect(() => new ModelBatcher({ model: 'm', tierOf, maxBatch: 1, maxWaitMs: -1, runBatch: echo })).toThrow(/maxWaitMs/);
  });
});
