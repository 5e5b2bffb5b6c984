import { encodeSamples } from '../../audio/pcm-decoder.js';
import { serverClockLeadMs, type ReceivedEvent } from '../../clients/qa/call-recording.js';
import type { CallTarget } from '../../clients/parley-call.js';
import { recordReplay } from '../../clients/replay.js';
import type { BenchCall } from './bench-calls.js';

const CHUNK_MS = 20;

/** A server event and when the client received it (`performance.now()`). */
export type TimedEvent = ReceivedEvent;

export interface CallRecording {
  call: BenchCall;
  events: TimedEvent[];
  /** sentAt[k]: when the chunk holding audio ms [k*20, (k+1)*20) left the client (socket, or WebRTC track). */
  sentAt: number[];
  /**
   * How far the server's audio clock runs ahead of the call's audio (`serverClockLeadMs`: 0
   * but over WebRTC): the audio times the server reports are the call's plus this.
   */
  serverLeadMs: number;
  refused: boolean;
  /** WebSocket close code (1013 for a refusal at capacity); gRPC status; WebRTC: the POST's HTTP status. */
  closeCode: number;
  wallMs: number;
}

/** When the client had sent the call's audio at `audioMs`: the send time of the chunk that holds it. */
export function sentTimeOf(recording: CallRecording, audioMs: number): number {
  const k = Math.min(recording.sentAt.length - 1, Math.max(0, Math.floor(audioMs / CHUNK_MS)));
  return recording.sentAt[k]!;
}

/** When the client had sent the audio the server calls `serverMs` (a word's time, a speech end). */
export function sentTimeOfServerMs(recording: CallRecording, serverMs: number): number {
  return sentTimeOf(recording, serverMs - recording.serverLeadMs);
}

/** Streams one call in 20 ms messages at `speed` x real time (0: as fast as the server reads), over any transport. */
export async function runCall(target: CallTarget, call: BenchCall, speed: number, config: Record<string, number> = {}): Promise<CallRecording> {
  const startedAt = performance.now();
  const audio = { encoding: 'pcm_s16le' as const, sampleRate: 16000, channels: 1 as const, data: encodeSamples(call.samples, 'pcm_s16le') };
  const replayed = await recordReplay(audio, { ...target, speed, chunkMs: CHUNK_MS, config });
  // WebRTC: the audio left the client when its track played it, not when it was queued.
  const played = replayed.audioStartedAt;
  const sentAt = played === undefined ? replayed.chunkSentAt : replayed.chunkSentAt.map((_, k) => played + k * CHUNK_MS);
  return {
    call,
    events: replayed.events,
    sentAt,
    serverLeadMs: serverClockLeadMs(replayed),
    refused: replayed.failure !== undefined,
    closeCode: replayed.close.code,
    wallMs: performance.now() - startedAt,
  };
}
