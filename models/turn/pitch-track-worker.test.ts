import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { trackPitch } from '../../audio/pitch-tracker.js';
import { PROSODY_PITCH_OPTIONS } from '../../audio/prosody-features.js';
import { TESTDATA_DIR } from '../../test/support/librivox.js';
import type { WorkerStatus } from '../worker-restart.js';
import { PitchTrackWorker } from './pitch-track-worker.js';

const raw = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const SPEECH = Float32Array.from(new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2), (v) => v / 32768);
const WINDOW = SPEECH.subarray(0, 24000);
const EXPECTED = trackPitch(WINDOW, PROSODY_PITCH_OPTIONS);
/** A minute of audio: a track that is still running when the test acts right after asking for it. */
const LONG = new Float32Array(60 * 16000).map((_, i) => SPEECH[i % SPEECH.length]!);

const workers: PitchTrackWorker[] = [];

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

async function start(statuses: WorkerStatus[] = [], restartDelayMs = 100): Promise<PitchTrackWorker> {
  const worker = await PitchTrackWorker.start({ restartDelayMs, onStatus: (s) => statuses.push(s) });
  workers.push(worker);
  return worker;
}

describe('PitchTrackWorker', () => {
  it("tracks on its thread what the caller's thread would, keeps the caller's samples, and leaves the event loop free", async () => {
    const worker = await start();
    expect(worker.healthy).toBe(true);
    const copy = WINDOW.slice();
    expect(await worker.track(copy)).toEqual(EXPECTED);
    expect(copy).toEqual(WINDOW);
    const many = await Promise.all(Array.from({ length: 8 }, () => worker.track(WINDOW)));
    for (const frames of many) expect(frames).toEqual(EXPECTED);

    // Off the event loop: a minute's track is still running after the loop has turned
    // (inline, it would be done before the call returned).
    let done = false;
    const long = worker.track(LONG).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(done).toBe(false);
    await long;
  });

  it('a worker that dies owes nothing: its tracks and those asked meanwhile are made inline, then a new worker serves', async () => {
    const statuses: WorkerStatus[] = [];
    const worker = await start(statuses, 300);
    const owed = [worker.track(LONG), worker.track(WINDOW)];
    const dead = worker.thread!;
    await dead.terminate();
    await vi.waitFor(() => expect(statuses).toHaveLength(1));
    expect(statuses[0]).toEqual({ kind: 'failed', detail: expect.stringMatching(/exited with code 1; restarting in 300 ms$/) });
    expect(worker.healthy).toBe(false);
    const [long, short] = await Promise.all(owed);
    expect(long!.length).toBeGreaterThan(5000);
    expect(short).toEqual(EXPECTED);
    expect(await worker.track(WINDOW)).toEqual(EXPECTED);

    await vi.waitFor(() => expect(worker.healthy).toBe(true), { timeout: 10_000 });
    expect(statuses.map((s) => s.kind)).toEqual(['failed', 'restarted']);
    expect(worker.thread).not.toBe(dead);
    expect(await worker.track(WINDOW)).toEqual(EXPECTED);
  });

  it('close ends the thread and cancels a pending restart; later tracks run inline', async () => {
    const statuses: WorkerStatus[] = [];
    const running = await start(statuses);
    const thread = running.thread!;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    await running.close();
    await exited;
    expect(running.healthy).toBe(false);
    expect(running.thread).toBeUndefined();
    expect(await running.track(WINDOW)).toEqual(EXPECTED);

    const dying = await start(statuses, 50);
    await dying.thread!.terminate();
    await vi.waitFor(() => expect(statuses).toHaveLength(1));
    await dying.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(statuses.map((s) => s.kind)).toEqual(['failed']);
    expect(dying.thread).toBeUndefined();
  });
});
