import { bytesPerSample } from '../audio/audio-encoding.js';
import type { ServerEvent, TurnEndEvent, TranscriptCorrectedEvent } from '../proto/messages.js';
import type { AudioEncoding } from '../proto/session-config.js';
import { openParleyCall, type CallTarget, type ParleyCall } from './parley-call.js';
import type { CallRecording, ReceivedEvent } from './qa/call-recording.js';

export interface ReplayAudio {
  encoding: AudioEncoding;
  sampleRate: number;
  channels: 1 | 2;
  /** Interleaved audio in `encoding`. */
  data: Uint8Array;
}

/**
 * `url`: the WebSocket, e.g. ws://localhost:8080/v1/listen; `grpc`: host:port, replays over gRPC
 * instead; `webrtc`: the server's base URL, e.g. http://localhost:8080, replays over WebRTC (mono
 * only, paced in real time by the audio track whatever `speed` says).
 */
export interface ReplayOptions extends CallTarget {
  /** 1 is real time, 2 twice as fast; 0 sends as fast as the server reads. */
  speed: number;
  /** Audio per message. */
  chunkMs: number;
  /** Extra session config for the `start` message. */
  config?: Record<string, unknown>;
  onEvent?: (event: ServerEvent) => void;
  /**
   * Ends the call early (Ctrl-C): no more audio, the connection is closed without `stop`, and
   * the result holds what arrived before (not `ok`). An aborted call never rejects.
   */
  signal?: AbortSignal;
}

export interface ReplayedTurn {
  channel: number;
  turnId: number;
  /** Final text, after any `transcript.corrected`. */
  text: string;
  end: TurnEndEvent;
}

export interface ReplayResult {
  events: ServerEvent[];
  turns: ReplayedTurn[];
  /** WebSocket close code, gRPC status code, or the WebRTC POST's HTTP status. */
  closeCode: number;
  /** The session ended normally: close 1000, gRPC status OK, or WebRTC's `session.ended` `stop`. */
  ok: boolean;
  /** The same call on the client's clock, as the QA report scores it. */
  recording: CallRecording;
}

/**
 * Streams a recorded call to a Parley server at the given pace and collects what comes back.
 * Rejects when the session does not start, the audio cannot be sent, or it ends without
 * `session.ended` (unless `signal` ended it).
 */
export async function replay(audio: ReplayAudio, options: ReplayOptions): Promise<ReplayResult> {
  const run = await runCall(audio, options);
  if (run.error !== undefined) throw run.error;
  const { recording } = run;
  return { events: recording.events.map((e) => e.event), turns: collectTurns(recording.events), closeCode: recording.close.code, ok: recording.close.ok, recording };
}

/**
 * The same call for a QA run, which scores failures instead of stopping at them: never rejects.
 * A call that could not start has `failure`; one that broke later shows it in `close`.
 */
export async function recordReplay(audio: ReplayAudio, options: ReplayOptions): Promise<CallRecording> {
  return (await runCall(audio, options)).recording;
}

interface CallRun {
  recording: CallRecording;
  /** What `replay()` rejects with; never set when `signal` ended the call. */
  error?: unknown;
}

async function runCall(audio: ReplayAudio, options: ReplayOptions): Promise<CallRun> {
  const events: ReceivedEvent[] = [];
  const chunkSentAt: number[] = [];
  const recording = (close: CallRecording['close'], extra: Partial<CallRecording> = {}): CallRecording => ({
    events,
    chunkSentAt,
    chunkMs: options.chunkMs,
    close,
    ...extra,
  });
  let client: ParleyCall;
  try {
    client = openParleyCall(
      options,
      { encoding: audio.encoding, sample_rate: audio.sampleRate, channels: audio.channels, ...options.config },
      (event) => {
        events.push({ event, at: performance.now() });
        options.onEvent?.(event);
      },
    );
  } catch (error) {
    return { recording: recording(NOT_CONNECTED, { failure: messageOf(error) }), error };
  }

  const { signal } = options;
  // Every wait races the abort: a cancelled gRPC call need not answer a pending write.
  let aborted: Promise<'aborted'> | undefined;
  let onAbort = (): void => undefined;
  if (signal) {
    aborted = new Promise((resolve) => {
      onAbort = () => {
        client.close();
        resolve('aborted');
      };
    });
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
  }

  let started = false;
  let error: unknown;
  try {
    if ((await unlessAborted(client.started, aborted)) !== 'aborted') {
      started = true;
      await sendAll(client, audio, options, chunkSentAt, aborted);
      if (!signal?.aborted) await unlessAborted(client.stop(), aborted);
    }
  } catch (caught) {
    if (!signal?.aborted) error = caught;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  // A failed write may leave the connection open: close it.
  if (error !== undefined) client.close();
  const end = await client.closed;
  const extra: Partial<CallRecording> = {};
  const serverClockStartedAt = client.serverClockStartedAt?.();
  if (serverClockStartedAt !== undefined) extra.serverClockStartedAt = serverClockStartedAt;
  const audioStartedAt = client.audioStartedAt?.();
  if (audioStartedAt !== undefined) extra.audioStartedAt = audioStartedAt;
  if (!started && !signal?.aborted) extra.failure = messageOf(error);
  return { recording: recording({ code: end.closeCode, ok: end.ok, label: end.label }, extra), error };
}

/** Sends the audio in `chunkMs` messages at `speed`, noting when each was handed to the transport. */
async function sendAll(client: ParleyCall, audio: ReplayAudio, options: ReplayOptions, sentAt: number[], aborted: Promise<'aborted'> | undefined): Promise<void> {
  const frameBytes = bytesPerSample(audio.encoding) * audio.channels;
  const chunkBytes = Math.max(1, Math.round((audio.sampleRate * options.chunkMs) / 1000)) * frameBytes;
  const startedAt = performance.now();
  for (let offset = 0, i = 0; offset < audio.data.length; offset += chunkBytes, i++) {
    if (options.speed > 0) await sleepUntil(startedAt + (i * options.chunkMs) / options.speed);
    if (options.signal?.aborted) return;
    sentAt.push(performance.now());
    if ((await unlessAborted(client.sendAudio(audio.data.subarray(offset, offset + chunkBytes)), aborted)) === 'aborted') return;
  }
}

function unlessAborted<T>(work: Promise<T>, aborted: Promise<'aborted'> | undefined): Promise<T | 'aborted'> {
  return aborted ? Promise.race([work, aborted]) : work;
}

/** The close of a call whose client could not even be made. */
const NOT_CONNECTED: CallRecording['close'] = { code: 0, ok: false, label: 'not connected' };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function collectTurns(events: ReceivedEvent[]): ReplayedTurn[] {
  const turns = new Map<string, ReplayedTurn>();
  for (const { event } of events) {
    if (event.type === 'turn.end') {
      turns.set(`${event.channel}:${event.turn_id}`, { channel: event.channel, turnId: event.turn_id, text: event.text, end: event });
    } else if (event.type === 'transcript.corrected') {
      applyCorrection(turns.get(`${event.channel}:${event.turn_id}`), event);
    }
  }
  return [...turns.values()];
}

function applyCorrection(turn: ReplayedTurn | undefined, event: TranscriptCorrectedEvent): void {
  if (turn) turn.text = event.text;
}

function sleepUntil(wallMs: number): Promise<void> {
  const wait = wallMs - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
