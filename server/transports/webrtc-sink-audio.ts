import { decodeSamples } from '../../audio/pcm-decoder.js';
import { StreamingResampler } from '../../audio/resampler.js';
import type { RtcAudioData } from '../../proto/webrtc-native.js';
import { WEBRTC_SESSION_AUDIO } from '../../proto/webrtc.js';
import { toInt16 } from '../../audio/to-int16.js';

const RATE = WEBRTC_SESSION_AUDIO.sample_rate;
const NO_BYTES = new Uint8Array(0);

/**
 * Turns the audio sink's 10 ms frames into the session's input: mono 16-bit PCM at 48 kHz.
 * libwebrtc decodes Opus at 48 kHz, but the sink's rate follows its mixer: before the first
 * packet has been decoded it delivers silence at 16 kHz, and a track that negotiated another
 * codec comes at that codec's rate. Such frames are resampled to 48 kHz, so the session's
 * audio time stays the time the sink delivered. Stereo (Opus with `stereo=1`) is averaged.
 */
export class SinkAudio {
  /** For frames that are not at 48 kHz; its tail is flushed when the rate changes. */
  private resampler: StreamingResampler | null = null;

  /** The frame as session input bytes (possibly none: a resampler holds its lookahead). */
  convert(frame: RtcAudioData): Uint8Array {
    const mono = monoOf(frame.samples, frame.channelCount ?? 1);
    const parts: Int16Array[] = [];
    if (this.resampler && this.resampler.inputRate !== frame.sampleRate) parts.push(this.flushResampler());
    if (frame.sampleRate === RATE) {
      parts.push(mono);
    } else {
      this.resampler ??= new StreamingResampler(frame.sampleRate, RATE);
      parts.push(toInt16(this.resampler.process(decodeSamples(bytesOf(mono), 'pcm_s16le', 1))));
    }
    return parts.length === 1 ? bytesOf(parts[0]!) : bytesOf(joined(parts));
  }

  /** What a resampler still holds, when the audio ends. */
  flush(): Uint8Array {
    return this.resampler ? bytesOf(this.flushResampler()) : NO_BYTES;
  }

  private flushResampler(): Int16Array {
    const tail = toInt16(this.resampler!.flush());
    this.resampler = null;
    return tail;
  }
}

function monoOf(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const mono = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0; i < mono.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c]!;
    mono[i] = Math.round(sum / channels);
  }
  return mono;
}

function joined(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Little-endian on every platform Node's prebuilt wrtc binaries exist for (x64, arm64). */
function bytesOf(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}
