import { describe, expect, it } from 'vitest';
import { EndOfTurnModel } from '../../models/turn/end-of-turn-model.js';
import { INLINE_PITCH_TRACKING, type PitchTracking } from '../../models/turn/pitch-tracking.js';
import type { WorkClass } from '../scheduler/work-class.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';
import { EndOfTurnEstimator } from './end-of-turn-estimator.js';

const CHUNK = 512;

/** 32 ms VAD chunks of a 150 Hz voiced tone (speech) or silence. */
function chunk(index: number, voiced: boolean): Float32Array {
  const samples = new Float32Array(CHUNK);
  if (voiced) for (let i = 0; i < CHUNK; i++) samples[i] = 0.3 * Math.sin((2 * Math.PI * 150 * (index * CHUNK + i)) / 16000);
  return samples;
}

describe('EndOfTurnEstimator', () => {
  it("computes a pause's prosody once through the scheduler, and reuses it for a pause that begins within minIntervalMs", async () => {
    const jobs: WorkClass[] = [];
    const scheduler = new WorkScheduler({
      concurrency: 1,
      urgentReserve: 0,
      utilizationWindowMs: 1000,
      ownThreadClasses: ['turn'],
      observer: { started: (workClass) => jobs.push(workClass), finished: () => undefined },
    });
    const estimator = new EndOfTurnEstimator(new EndOfTurnModel(), scheduler, { key: 'c/0:turn', deadlineMs: 20, minIntervalMs: 400 }, () => ({
      words: ['we', 'went', 'home'].map((word) => ({ word })),
      startMs: 0,
    }));
    // 3 s of speech, so every speech end below is within the tracker's history.
    for (let k = 0; k < 94; k++) estimator.accept(chunk(k, true), true);
    const now = performance.now();
    await estimator.pauseBegan(2000, now);
    const first = estimator.estimate(2000, 300);
    estimator.speechStarted(2100, true);
    await estimator.pauseBegan(2300, now); // 300 ms after the last computed pause: reused
    estimator.speechStarted(2400, true);
    await estimator.pauseBegan(2900, now); // 900 ms after it: computed again
    expect(jobs).toEqual(['turn', 'turn']);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(1);
    // An estimate for a pause the estimator was not told of has nothing to go on.
    expect(estimator.estimate(1234, 300)).toBe(0);
    estimator.close();
    scheduler.close();
  });

  it('tracks each computed pause\'s pitch where it is told to, with the same estimate as inline', async () => {
    const scheduler = new WorkScheduler({ concurrency: 1, urgentReserve: 0, utilizationWindowMs: 1000, ownThreadClasses: ['turn'] });
    const windows: number[] = [];
    const counting: PitchTracking = {
      track: (samples) => {
        windows.push(samples.length);
        return INLINE_PITCH_TRACKING.track(samples);
      },
    };
    const estimates = await Promise.all(
      [counting, undefined].map(async (pitch) => {
        const options = { key: 'c/0:turn', deadlineMs: 20, minIntervalMs: 400, ...(pitch ? { pitch } : {}) };
        const estimator = new EndOfTurnEstimator(new EndOfTurnModel(), scheduler, options, () => ({ words: [], startMs: 0 }));
        for (let k = 0; k < 94; k++) estimator.accept(chunk(k, true), true);
        await estimator.pauseBegan(2000, performance.now());
        estimator.speechStarted(2100, true);
        await estimator.pauseBegan(2300, performance.now()); // reused: no track
        const estimate = estimator.estimate(2300, 300);
        estimator.close();
        return estimate;
      }),
    );
    // One window, from the oldest of the 1.5 s kept to 25 ms past the speech end.
    expect(windows).toEqual([(2000 + 25) * 16 - (94 * CHUNK - 24000)]);
    expect(estimates[0]).toBe(estimates[1]);
    scheduler.close();
  });

  it("close drops the channel's waiting feature work and leaves nothing in the scheduler", async () => {
    const scheduler = new WorkScheduler({ concurrency: 1, urgentReserve: 0, utilizationWindowMs: 1000, ownThreadClasses: ['turn'] });
    const estimator = new EndOfTurnEstimator(new EndOfTurnModel(), scheduler, { key: 'c/0:turn', deadlineMs: 20, minIntervalMs: 0 }, () => ({ words: [], startMs: 0 }));
    for (let k = 0; k < 94; k++) estimator.accept(chunk(k, k % 20 < 15), k % 20 < 15);
    const running = estimator.pauseBegan(2000, performance.now());
    // The channel's lane runs one job at a time: this one waits behind the first.
    const waiting = estimator.pauseBegan(2900, performance.now());
    estimator.close();
    await expect(waiting).rejects.toMatchObject({ code: 'session_ended' });
    await running;
    expect(scheduler.queued).toBe(0);
    scheduler.close();
  });
});

