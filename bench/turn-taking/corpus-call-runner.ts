import { interleave } from '../../audio/deinterleave.js';
import { encodeSamples } from '../../audio/pcm-decoder.js';
import type { CallTarget } from '../../clients/parley-call.js';
import { recordReplay } from '../../clients/replay.js';
import type { TimedEvent } from '../turn-latency/call-runner.js';
import type { CorpusCall } from './corpus-calls.js';

/** Audio per WebSocket message, as the turn-latency bench sends it. */
export const CHUNK_MS = 20;

export interface CorpusRecording {
  events: TimedEvent[];
  /** sentAt[k]: performance.now() when audio ms [k * CHUNK_MS, (k + 1) * CHUNK_MS) of every channel was handed to the socket. */
  sentAt: number[];
  refused: boolean;
  closeCode: number;
}

/**
 * Streams `call` interleaved as pcm_s16le in 20 ms messages at `speed` x real time over the
 * WebSocket, through the replay library (clients/replay.ts), which records every event with
 * its arrival time and every message's send time. `config` is passed through as is: the
 * detector under test is nothing but session config, and the server refuses keys it does not know.
 */
export async function runCorpusCall(target: CallTarget, call: CorpusCall, speed: number, config: Record<string, unknown>): Promise<CorpusRecording> {
  const audio = { encoding: 'pcm_s16le' as const, sampleRate: call.sampleRate, channels: call.channels.length as 1 | 2, data: encodeSamples(interleave(call.channels), 'pcm_s16le') };
  const recording = await recordReplay(audio, { ...target, speed, chunkMs: CHUNK_MS, config });
  return { events: recording.events, sentAt: recording.chunkSentAt, refused: recording.failure !== undefined, closeCode: recording.close.code };
}
