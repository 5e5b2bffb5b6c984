import { interleave } from '../../audio/deinterleave.js';
import { encodeSamples } from '../../audio/pcm-decoder.js';
import { openParleyCall, type CallTarget } from '../../clients/parley-call.js';
import type { SessionConfigInput } from '../../proto/session-config.js';
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
 * call-runner.ts's `runCall` for calls of any rate and one or two channels: streams `call`
 * interleaved as pcm_s16le in 20 ms messages at `speed` x real time over the WebSocket, and
 * records every event with its arrival time. `config` is passed through as is: the detector
 * under test is nothing but session config, and the server refuses keys it does not know.
 */
export async function runCorpusCall(target: CallTarget, call: CorpusCall, speed: number, config: Record<string, unknown>): Promise<CorpusRecording> {
  const events: TimedEvent[] = [];
  const sentAt: number[] = [];
  const channels = call.channels.length;
  const sessionConfig = { encoding: 'pcm_s16le', sample_rate: call.sampleRate, channels, ...config } as SessionConfigInput;
  const client = openParleyCall(target, sessionConfig, (event) => events.push({ event, at: performance.now() }));
  try {
    await client.started;
  } catch {
    return { events, sentAt, refused: true, closeCode: (await client.closed).closeCode };
  }
  const pcm = encodeSamples(interleave(call.channels), 'pcm_s16le');
  const chunkBytes = ((call.sampleRate * CHUNK_MS) / 1000) * channels * 2;
  const t0 = performance.now();
  for (let k = 0; k * chunkBytes < pcm.length; k++) {
    if (speed > 0) {
      const wait = t0 + (k * CHUNK_MS) / speed - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    sentAt.push(performance.now());
    await client.sendAudio(pcm.subarray(k * chunkBytes, (k + 1) * chunkBytes));
  }
  await client.stop();
  return { events, sentAt, refused: false, closeCode: (await client.closed).closeCode };
}
