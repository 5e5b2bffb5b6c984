import { readFile } from 'node:fs/promises';
import { decodeSamples } from '../../audio/pcm-decoder.js';
import { readWav, type WavAudio } from '../../audio/wav.js';
import type { CallTarget } from '../parley-call.js';
import { recordReplay, type ReplayAudio, type ReplayOptions } from '../replay.js';
import type { CallInput } from './call-inputs.js';
import type { CallRecording } from './call-recording.js';
import { scoreCall, type CallInput as ScoringInput } from './call-scoring.js';
import type { RunProgress } from './progress-bar.js';
import { REPORT_SCHEMA, REPORT_VERSION, type CallReport, type QaReport, type ReportRun } from './qa-report.js';
import { summarize, worstFirst } from './report-summary.js';
import { shadowDifferences } from './shadow-differences.js';
import { drawTimeline } from './timeline-picture.js';

export interface QaRunOptions {
  /** The server under test: `url` (WebSocket), `grpc` or `webrtc`, as for `replay()`. */
  target: CallTarget;
  /** A second server that gets every call at the same time, on the same transport. */
  shadow?: CallTarget;
  /** 1 real time, 2 twice as fast; 0 as fast as the server reads. WebRTC always plays in real time. */
  speed: number;
  /** Audio per message. */
  chunkMs: number;
  /** Calls (primary and shadow together count one) in flight at once. */
  concurrency: number;
  /**
   * How long a call may take past its audio's length (or its length at `speed`, when that is
   * slower than real time) before it is closed and reported failed: the server must keep up
   * with real time, however fast the audio is sent.
   */
  callSlackMs: number;
  /** Draw every call's timeline on the primary (for a report folder); pictures cost time, so only when wanted. */
  drawPictures: boolean;
  /** Ctrl-C: starts no more calls, closes those in flight, and the report is partial. */
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Replays one call; a test may put a fake here. */
  record?: (audio: ReplayAudio, options: ReplayOptions) => Promise<CallRecording>;
}

export const DEFAULT_CALL_SLACK_MS = 30_000;

export interface QaRunResult {
  report: QaReport;
  /** The primary's timeline PNG of each call, by call id (report-writer.ts names the files). */
  pictures: Map<string, Buffer>;
}

/** One call of the run, on both servers. */
interface ScoredCall {
  primary: CallReport;
  shadow?: CallReport;
}

/**
 * Replays `calls` against the target (and the shadow), `concurrency` at a time, in the order
 * given; scores each as it ends, and reports them worst first. When `signal` aborts, the calls
 * it cut off are left out and the report says `complete: false`.
 */
export async function runQa(calls: readonly CallInput[], options: QaRunOptions): Promise<QaRunResult> {
  const startedAt = performance.now();
  const pictures = new Map<string, Buffer>();
  const done: ScoredCall[] = [];
  const progress: RunProgress = { callsDone: 0, callsTotal: calls.length, audioMsDone: 0, audioMsTotal: calls.reduce((sum, call) => sum + call.audioMs, 0) };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length && !options.signal?.aborted) {
      const input = calls[next++]!;
      const scored = await runCall(input, options, pictures);
      if (!scored) continue;
      done.push(scored);
      progress.callsDone++;
      progress.audioMsDone += input.audioMs;
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, calls.length) }, worker));

  const wallSeconds = (performance.now() - startedAt) / 1000;
  const primary = worstFirst(done.map((call) => call.primary));
  const report: QaReport = {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    created_at: new Date().toISOString(),
    run: runOf(options.target, options),
    complete: done.length === calls.length,
    summary: summarize(primary, wallSeconds),
    calls: primary,
  };
  if (options.shadow) {
    const shadow = worstFirst(done.flatMap((call) => (call.shadow ? [call.shadow] : [])));
    report.shadow = { run: runOf(options.shadow, options), summary: summarize(shadow, wallSeconds), calls: shadow, differences: shadowDifferences(primary, shadow) };
  }
  return { report, pictures };
}

/** Both sides of one call, scored; undefined when the run's abort cut it off. */
async function runCall(input: CallInput, options: QaRunOptions, pictures: Map<string, Buffer>): Promise<ScoredCall | undefined> {
  let wav: WavAudio;
  try {
    wav = readWav(await readFile(input.audio));
  } catch (error) {
    // Read and checked when the inputs were loaded: it changed since. Report it, run the rest.
    const failure = `${input.audio}: ${error instanceof Error ? error.message : String(error)}`;
    const recording: CallRecording = { events: [], chunkSentAt: [], chunkMs: options.chunkMs, close: { code: 0, ok: false, label: 'not run' }, failure };
    return { primary: scoreCall({ ...inputOf(input), recording }), ...(options.shadow ? { shadow: scoreCall({ ...inputOf(input), recording }) } : {}) };
  }
  // Interrupted while the file was read: this call must not start.
  if (options.signal?.aborted) return undefined;
  const audio: ReplayAudio = { encoding: wav.encoding, sampleRate: wav.sampleRate, channels: input.channels, data: wav.data };
  const [primary, shadow] = await Promise.all([recordCall(audio, input, options.target, options), options.shadow ? recordCall(audio, input, options.shadow, options) : undefined]);
  if (primary === undefined || (options.shadow && shadow === undefined)) return undefined;

  const scored: ScoredCall = { primary: scoreCall({ ...inputOf(input), recording: primary }) };
  if (shadow) scored.shadow = scoreCall({ ...inputOf(input), recording: shadow });
  if (options.drawPictures) {
    pictures.set(input.id, await drawTimeline({ samples: channelsOf(audio), sampleRate: audio.sampleRate, call: scored.primary }));
  }
  return scored;
}

/**
 * One side of a call, closed when it overruns its time; undefined when the run's abort cut
 * it off (a call that ended before the abort is kept).
 */
async function recordCall(audio: ReplayAudio, input: CallInput, target: CallTarget, options: QaRunOptions): Promise<CallRecording | undefined> {
  const record = options.record ?? recordReplay;
  const overrun = new AbortController();
  // WebRTC's track plays in real time whatever the speed; elsewhere slower than real time stretches the call.
  const speed = target.webrtc || options.speed <= 0 ? 1 : Math.min(1, options.speed);
  const timer = setTimeout(() => overrun.abort(), input.audioMs / speed + options.callSlackMs);
  const signal = options.signal ? AbortSignal.any([options.signal, overrun.signal]) : overrun.signal;
  try {
    const recording = await record(audio, { ...target, speed: options.speed, chunkMs: options.chunkMs, config: input.config, signal });
    if (options.signal?.aborted) return undefined;
    if (overrun.signal.aborted) recording.close = { ...recording.close, ok: false, label: 'timeout' };
    return recording;
  } finally {
    clearTimeout(timer);
  }
}

function inputOf(input: CallInput): Omit<ScoringInput, 'recording'> {
  const { id, audio, audioMs, channels, references, expectedTurns, turnBoundaries } = input;
  return { id, audio, audioMs, channels, references, expectedTurns, turnBoundaries };
}

function runOf(target: CallTarget, options: QaRunOptions): ReportRun {
  const transport = target.grpc ? 'grpc' : target.webrtc ? 'webrtc' : 'ws';
  return { target: target.grpc ?? target.webrtc ?? target.url ?? '', transport, speed: options.speed, concurrency: options.concurrency, chunk_ms: options.chunkMs };
}

/** The interleaved audio as one float array per channel, for the timeline's waveform. */
function channelsOf(audio: ReplayAudio): Float32Array[] {
  const interleaved = decodeSamples(audio.data, audio.encoding, audio.channels);
  const frames = interleaved.length / audio.channels;
  return Array.from({ length: audio.channels }, (_, c) => {
    const channel = new Float32Array(frames);
    for (let i = 0; i < frames; i++) channel[i] = interleaved[i * audio.channels + c]!;
    return channel;
  });
}

