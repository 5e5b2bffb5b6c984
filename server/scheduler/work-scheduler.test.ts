import { describe, expect, it } from 'vitest';
import type { WorkClass } from './work-class.js';
import { WorkScheduler, type SchedulerObserver } from './work-scheduler.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A scheduler whose jobs only finish when the test says so, recording start order. */
function harness(concurrency: number, observer?: SchedulerObserver, urgentReserve = 0, ownThreadClasses?: WorkClass[]) {
  const scheduler = new WorkScheduler({ concurrency, urgentReserve, utilizationWindowMs: 1000, observer, ownThreadClasses });
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred>>();
  const submit = (name: string, workClass: WorkClass, deadline: number, key = name) => {
    const gate = deferred();
    gates.set(name, gate);
    return scheduler.submit({
      workClass,
      key,
      deadline,
      run: () => {
        started.push(name);
        return gate.promise.then(() => name);
      },
    });
  };
  const finish = async (name: string) => {
    gates.get(name)!.resolve();
    await tick();
  };
  return { scheduler, started, submit, finish };
}

describe('WorkScheduler', () => {
  it('runs the earliest deadline first within a tier', async () => {
    const h = harness(1);
    void h.submit('blocker', 'vad', 0);
    void h.submit('late', 'vad', 300);
    void h.submit('early', 'final', 100);
    void h.submit('middle', 'vad', 200);
    for (const name of ['blocker', 'early', 'middle']) await h.finish(name);
    expect(h.started).toEqual(['blocker', 'early', 'middle', 'late']);
  });

  it("puts a turn's end work before partial decoding, even with a later deadline", async () => {
    const h = harness(1);
    void h.submit('blocker', 'vad', 0);
    void h.submit('partial', 'partial', 10);
    void h.submit('final', 'final', 5000);
    await h.finish('blocker');
    await h.finish('final');
    expect(h.started).toEqual(['blocker', 'final', 'partial']);
  });

  it("runs one key's work one at a time, in submission order, ranked by its most urgent job", async () => {
    const h = harness(1);
    void h.submit('blocker', 'vad', 0);
    void h.submit('a-partial', 'partial', 50, 'channel-a');
    void h.submit('b-partial', 'partial', 10, 'channel-b');
    void h.submit('a-final', 'final', 900, 'channel-a');
    await h.finish('blocker');
    await h.finish('a-partial');
    await h.finish('a-final');
    // channel-a holds a final, so its lane outranks channel-b; its own jobs keep their order.
    expect(h.started).toEqual(['blocker', 'a-partial', 'a-final', 'b-partial']);
  });

  it('never runs more than `concurrency` jobs at once', async () => {
    const h = harness(2);
    for (let i = 0; i < 5; i++) void h.submit(`job${i}`, 'partial', i);
    await tick();
    expect(h.started).toEqual(['job0', 'job1']);
    await h.finish('job1');
    expect(h.started).toEqual(['job0', 'job1', 'job2']);
  });

  it('keeps the reserved slots for urgent work: a VAD batch starts while partial decoding fills the cores', async () => {
    const h = harness(1, undefined, 1);
    void h.submit('partial-1', 'partial', 0);
    void h.submit('partial-2', 'partial', 1);
    void h.submit('vad', 'vad', 50);
    await tick();
    expect(h.started).toEqual(['partial-1', 'vad']);
    void h.submit('final', 'final', 60);
    await h.finish('vad');
    expect(h.started).toEqual(['partial-1', 'vad', 'final']);
    await h.finish('final');
    expect(h.started).toEqual(['partial-1', 'vad', 'final']);
    await h.finish('partial-1');
    expect(h.started).toEqual(['partial-1', 'vad', 'final', 'partial-2']);
  });

  it('starts own-thread work (the VAD worker) at once while decoding holds every slot, one job per key at a time', async () => {
    const h = harness(1, undefined, 1, ['vad']);
    void h.submit('partial', 'partial', 0);
    void h.submit('final', 'final', 5);
    void h.submit('vad-1', 'vad', 50, 'vad');
    void h.submit('vad-2', 'vad', 60, 'vad');
    await tick();
    // Both slots hold decoding; the VAD batch does not wait for either.
    expect(h.started).toEqual(['partial', 'final', 'vad-1']);
    void h.submit('partial-2', 'partial', 1);
    await h.finish('vad-1');
    expect(h.started).toEqual(['partial', 'final', 'vad-1', 'vad-2']);
    expect(h.scheduler.queued).toBe(1);
  });

  it("rejects a cancelled key's waiting jobs with session_ended, and resolves the others", async () => {
    const h = harness(1);
    const blocker = h.submit('blocker', 'vad', 0, 'k');
    const waiting = h.submit('waiting', 'partial', 1, 'k');
    const other = h.submit('other', 'partial', 2);
    h.scheduler.cancel('k');
    await expect(waiting).rejects.toMatchObject({ code: 'session_ended' });
    await h.finish('blocker');
    await expect(blocker).resolves.toBe('blocker');
    await h.finish('other');
    await expect(other).resolves.toBe('other');
  });

  it('reports queue wait, service time and deadline misses per class', async () => {
    const seen: Array<[string, WorkClass, boolean?]> = [];
    const h = harness(1, {
      started: (c) => seen.push(['started', c]),
      finished: (c, _ms, missed) => seen.push(['finished', c, missed]),
    });
    const now = performance.now();
    void h.submit('missed', 'final', now - 1);
    void h.submit('kept', 'partial', now + 60_000);
    await h.finish('missed');
    await h.finish('kept');
    expect(seen).toEqual([
      ['started', 'final'],
      ['finished', 'final', true],
      ['started', 'partial'],
      ['finished', 'partial', false],
    ]);
  });

  it('measures utilization of its slots', async () => {
    const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 0, utilizationWindowMs: 200 });
    expect(scheduler.utilization).toBe(0);
    const busy = scheduler.submit({ workClass: 'partial', key: 'k', deadline: 0, run: () => new Promise((r) => setTimeout(r, 100)) });
    await busy;
    const u = scheduler.utilization;
    expect(u).toBeGreaterThan(0.15);
    expect(u).toBeLessThanOrEqual(0.5);
  });
});
