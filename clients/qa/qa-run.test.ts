import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../audio/wav.js';
import type { ServerEvent } from '../../proto/messages.js';
import type { ReplayAudio, ReplayOptions } from '../replay.js';
import type { CallInput } from './call-inputs.js';
import type { CallRecording } from './call-recording.js';
import { runQa, type QaRunOptions } from './qa-run.js';

const CHUNK_MS = 100;

/** What a server says of a one-turn call: `text`, its speech ending 200 ms into the audio, final 300 ms after the first chunk. */
function recordingOf(text: string): CallRecording {
  const t0 = performance.now();
  const events: ServerEvent[] = [
    { type: 'session.started', session_id: 's', config: {}, limits: {}, recognizer: {} } as unknown as ServerEvent,
    { type: 'speech.started', channel: 0, turn_id: 1, at_ms: 0 },
    { type: 'turn.end', channel: 0, turn_id: 1, text, words: [], speech_end_ms: 200, latency_ms: 40, reason: 'model' },
    { type: 'session.ended', reason: 'stop', stats: { channels: [] } },
  ];
  return {
    events: events.map((event, i) => ({ event, at: t0 + (event.type === 'turn.end' ? 300 : i) })),
    chunkSentAt: [t0, t0 + 100, t0 + 200, t0 + 300],
    chunkMs: CHUNK_MS,
    close: { code: 1000, ok: true, label: 'ws 1000' },
  };
}

/** Resolves when `signal` aborts, as a replay does once it has closed its call. */
function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runQa', () => {
  let dir: string;
  let wav: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-qa-run-'));
    wav = join(dir, 'call.wav');
    await writeFile(wav, writeWav({ encoding: 'pcm_s16le', sampleRate: 8000, channels: 1, data: new Uint8Array(8000 * 2 * 0.4) }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const input = (id: string, reference: string | null = 'he was not an ill disposed young man'): CallInput => ({
    id,
    audio: wav,
    channels: 1,
    audioMs: 400,
    references: [reference],
    expectedTurns: [1],
    config: { labels: { call: id } },
  });
  const callOf = (options: ReplayOptions): string => (options.config as { labels: { call: string } }).labels.call;
  const base = (record: QaRunOptions['record'], more: Partial<QaRunOptions> = {}): QaRunOptions => ({
    target: { url: 'ws://primary/v1/listen' },
    speed: 0,
    chunkMs: CHUNK_MS,
    concurrency: 2,
    callSlackMs: 10_000,
    drawPictures: false,
    record,
    ...more,
  });

  it('replays calls K at a time in order, scores them, and reports them worst first', async () => {
    const started: string[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const progress: number[] = [];
    const record = async (audio: ReplayAudio, options: ReplayOptions): Promise<CallRecording> => {
      expect(audio).toMatchObject({ encoding: 'pcm_s16le', sampleRate: 8000, channels: 1 });
      expect(audio.data.length).toBe(6400);
      started.push(callOf(options));
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await sleep(20);
      inFlight--;
      return recordingOf(callOf(options) === 'bad' ? 'he was a young man' : 'he was not an ill disposed young man');
    };
    const { report, pictures } = await runQa([input('a'), input('bad'), input('c'), input('d')], base(record, { onProgress: (p) => progress.push(p.callsDone) }));
    // Two at a time: the last two start only once one of the first two has ended.
    expect([started.slice(0, 2).sort(), started.slice(2).sort()]).toEqual([
      ['a', 'bad'],
      ['c', 'd'],
    ]);
    expect(mostInFlight).toBe(2);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(report).toMatchObject({ schema: 'parley.qa-report', version: 1, complete: true, run: { target: 'ws://primary/v1/listen', transport: 'ws', speed: 0, concurrency: 2, chunk_ms: 100 } });
    expect(report.calls.map((c) => c.id)[0]).toBe('bad');
    expect(report.calls[0]!.wer!.wer).toBeCloseTo(4 / 8);
    expect(report.summary).toMatchObject({ calls: 4, failed_calls: 0, turns: 4, expected_turns: 4 });
    expect(report.summary.latency.final.count).toBe(4);
    expect(report.summary.latency.final.p50).toBeCloseTo(100, 6);
    expect(report.shadow).toBeUndefined();
    expect(pictures.size).toBe(0);
  });

  it('replays each call against the shadow at the same time and reports both with their differences', async () => {
    const live = new Set<string>();
    let overlapped = 0;
    const record = async (_audio: ReplayAudio, options: ReplayOptions): Promise<CallRecording> => {
      const side = options.grpc!;
      live.add(side);
      await sleep(10);
      if (live.size === 2) overlapped++;
      live.delete(side);
      return recordingOf(side === 'canary:50051' && callOf(options) === 'b' ? 'he was not an ill disposed young men' : 'he was not an ill disposed young man');
    };
    const { report } = await runQa([input('a'), input('b')], base(record, { target: { grpc: 'primary:50051' }, shadow: { grpc: 'canary:50051' }, concurrency: 1 }));
    expect(overlapped).toBe(2);
    expect(report.run).toMatchObject({ target: 'primary:50051', transport: 'grpc' });
    expect(report.shadow!.run).toMatchObject({ target: 'canary:50051', transport: 'grpc' });
    expect(report.shadow!.calls.map((c) => c.id)).toEqual(['b', 'a']);
    expect(report.shadow!.summary.calls).toBe(2);
    expect(report.shadow!.differences.map((d) => d.id)).toEqual(report.calls.map((c) => c.id));
    expect(report.shadow!.differences.map((d) => [d.id, d.words[0]!.differing, d.wer_delta]).sort()).toEqual([
      ['a', 0, 0],
      ['b', 1, 0.125],
    ]);
  });

  it('on abort starts no more calls, closes those in flight, and reports the finished ones as partial', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const aborted: string[] = [];
    const record = async (_audio: ReplayAudio, options: ReplayOptions): Promise<CallRecording> => {
      const id = callOf(options);
      started.push(id);
      if (id === 'quick') {
        // Long enough for the second call to be under way.
        await sleep(50);
        return recordingOf('he was not');
      }
      await untilAborted(options.signal);
      aborted.push(id);
      return { ...recordingOf(''), close: { code: 1005, ok: false, label: 'ws 1005' } };
    };
    const run = runQa([input('quick'), input('long'), input('never')], base(record, { signal: controller.signal, onProgress: () => controller.abort() }));
    const { report } = await run;
    expect(started.sort()).toEqual(['long', 'quick']);
    expect(aborted).toEqual(['long']);
    expect(report.complete).toBe(false);
    expect(report.calls.map((c) => c.id)).toEqual(['quick']);
    expect(report.summary.calls).toBe(1);
  });

  it("draws the primary's timeline of each call, by call id, only when asked", async () => {
    const { pictures } = await runQa([input('a'), input('b')], base(async () => recordingOf('he was not'), { drawPictures: true, shadow: { url: 'ws://canary/v1/listen' } }));
    expect([...pictures.keys()].sort()).toEqual(['a', 'b']);
    for (const png of pictures.values()) expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('closes a call that overruns its audio plus the slack and reports it failed with a timeout', async () => {
    const record = async (_audio: ReplayAudio, options: ReplayOptions): Promise<CallRecording> => {
      await untilAborted(options.signal);
      return recordingOf('');
    };
    const startedAt = performance.now();
    const { report } = await runQa([input('stuck')], base(record, { callSlackMs: 100 }));
    // 400 ms of audio, sent at full speed, must be done in 400 ms plus the slack.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(490);
    expect(report.calls[0]!.close).toEqual({ code: 1000, ok: false, label: 'timeout' });
    expect(report.summary.failed_calls).toBe(1);
    expect(report.complete).toBe(true);
  });
});
