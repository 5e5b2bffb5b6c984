import { encodeSamples } from '../../audio/pcm-decoder.js';
import { openParleyCall, type CallTarget } from '../../clients/parley-call.js';
import type { ServerEvent } from '../../proto/messages.js';
import type { BenchCall } from './bench-calls.js';

const CHUNK_MS = 20;
const SAMPLES_PER_MS = 16;

export interface TimedEvent {
  event: ServerEvent;
  /** performance.now() when the client received it. */
  at: number;
}

export interface CallRecording {
  call: BenchCall;
  events: TimedEvent[];
  /** sentAt[k]: when the chunk holding audio ms [k*20, (k+1)*20) was handed to the client (socket, or WebRTC audio source). */
  sentAt: number[];
  refused: boolean;
  /** WebSocket close code (1013 for a refusal at capacity); gRPC status; WebRTC: the POST's HTTP status. */
  closeCode: number;
  wallMs: number;
}

/** When the client had sent the audio at `audioMs`: the send time of the chunk that holds it. */
export function sentTimeOf(recording: CallRecording, audioMs: number): number {
  const k = Math.min(recording.sentAt.length - 1, Math.max(0, Math.floor(audioMs / CHUNK_MS)));
  return recording.sentAt[k]!;
}

/** Streams one call in 20 ms messages at `speed` x real time (0: as fast as the server reads), over any transport. */
export async function runCall(target: CallTarget, call: BenchCall, speed: number, config: Record<string, number> = {}): Promise<CallRecording> {
  const events: TimedEvent[] = [];
  const sentAt: number[] = [];
  const client = openParleyCall(target, { encoding: 'pcm_s16le', sample_rate: 16000, channels: 1, ...config }, (event) =>
    events.push({ event, at: performance.now() }),
  );
  const startedAt = performance.now();
  try {
    await client.started;
  } catch {
    const { closeCode } = await client.closed;
    return { call, events, sentAt, refused: true, closeCode, wallMs: performance.now() - startedAt };
  }
  const pcm = encodeSamples(call.samples, 'pcm_s16le');
  const chunkBytes = CHUNK_MS * SAMPLES_PER_MS * 2;
  const t0 = performance.now();
  for (let k = 0; k * chunkBytes < pcm.length; k++) {
    if (speed > 0) {
      const wait = t0 + (k * CHUNK_MS) / speed - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    sentAt.push(performance.now());
    await client.sendAudio(pcm.subarray(k * chunkBytes, (k + 1) * chunkBytes));
  }
  // WebRTC: the audio left the client when its track played it, not when it was queued.
  const played = client.audioStartedAt?.();
  if (played !== undefined) sentAt.forEach((_, k) => (sentAt[k] = played + k * CHUNK_MS));
  await client.stop();
  const { closeCode } = await client.closed;
  return { call, events, sentAt, refused: false, closeCode, wallMs: performance.now() - startedAt };
}
