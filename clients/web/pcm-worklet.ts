// Runs in the AudioWorkletGlobalScope (the audio rendering thread), loaded by
// AudioContext.audioWorklet.addModule: it turns the microphone into the WebSocket path's
// 16 kHz PCM16 frames. The resampler is the server's own band-limited one (audio/), so the
// browser's capture rate (44.1 or 48 kHz) reaches the recognizer without aliasing.
import { StreamingResampler } from '../../audio/resampler.js';
import { PCM_FRAME_SAMPLES, PCM_SAMPLE_RATE, PCM_WORKLET_NAME } from './pcm-format.js';

// The worklet scope's globals; TypeScript's DOM lib describes only the main thread's side.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

/** Posts each full frame to the main thread as a transferred ArrayBuffer of PCM16 (little-endian: every platform browsers run on is). */
class PcmWorkletProcessor extends AudioWorkletProcessor {
  private readonly resampler = new StreamingResampler(sampleRate, PCM_SAMPLE_RATE);
  private frame = new Int16Array(PCM_FRAME_SAMPLES);
  private filled = 0;

  /** The node is created with one explicit mono input, so the browser has already mixed the channels down. */
  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    if (input) this.push(this.resampler.process(input));
    return true;
  }

  private push(samples: Float32Array): void {
    for (const sample of samples) {
      const s = Math.max(-1, Math.min(1, sample));
      this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === PCM_FRAME_SAMPLES) {
        this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
        this.frame = new Int16Array(PCM_FRAME_SAMPLES);
        this.filled = 0;
      }
    }
  }
}

registerProcessor(PCM_WORKLET_NAME, PcmWorkletProcessor);
