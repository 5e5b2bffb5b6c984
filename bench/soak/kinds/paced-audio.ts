import { pause } from './visit.js';

const CHUNK_MS = 20;
const BYTES_PER_MS = 32; // 16 kHz, 16-bit mono

export interface PaceOptions {
  /** 1 is real time; 0 sends as fast as `send` resolves. */
  speed: number;
  /** Checked before every message: false stops the stream (the connection is gone). */
  keepGoing: () => boolean;
  signal?: AbortSignal;
}

/**
 * Sends 16 kHz pcm_s16le audio in 20 ms messages on an absolute schedule (timer drift does
 * not accumulate). Returns the ms of audio sent.
 */
export async function sendPaced(pcm: Uint8Array, send: (chunk: Uint8Array) => unknown, options: PaceOptions): Promise<number> {
  const chunkBytes = CHUNK_MS * BYTES_PER_MS;
  const startedAt = performance.now();
  let sent = 0;
  for (let k = 0; sent < pcm.length; k++) {
    if (options.speed > 0) await pause(startedAt + (k * CHUNK_MS) / options.speed - performance.now(), options.signal);
    if (options.signal?.aborted || !options.keepGoing()) break;
    await send(pcm.subarray(sent, sent + chunkBytes));
    sent += chunkBytes;
  }
  return Math.min(sent, pcm.length) / BYTES_PER_MS;
}
