import { MAX_SAMPLE_RATE } from '../../audio/resampler.js';
import { PCM_WORKLET_NAME } from './pcm-format.js';

/** Level meter scale: -60 dBFS (quiet room) shows empty, 0 dBFS full. */
const METER_FLOOR_DB = -60;

/**
 * The Web Audio side of a call: the microphone's stream feeds an analyser (the level meter)
 * and, for the WebSocket path only, the PCM worklet. It outlives reconnects and microphone
 * switches; `setStream` rewires the source.
 */
export class AudioInput {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly levelSamples: Float32Array<ArrayBuffer>;
  private source: MediaStreamAudioSourceNode | undefined;
  private pcm: AudioWorkletNode | undefined;
  /** Where the WebSocket path's 16 kHz PCM16 frames go; the current link sets it. */
  onFrame: ((frame: Uint8Array) => void) | undefined;

  /**
   * Call inside the click handler, before any await: browsers let an AudioContext start
   * only in a user gesture (autoplay policy), and the click is that gesture.
   */
  constructor() {
    this.context = new AudioContext({ latencyHint: 'interactive' });
    // Pro audio interfaces run at 96 kHz; the resampler (and the server) take up to 48 kHz.
    if (this.context.sampleRate > MAX_SAMPLE_RATE) {
      void this.context.close();
      this.context = new AudioContext({ latencyHint: 'interactive', sampleRate: MAX_SAMPLE_RATE });
    }
    void this.context.resume();
    this.analyser = new AnalyserNode(this.context, { fftSize: 1024 });
    this.levelSamples = new Float32Array(this.analyser.fftSize);
  }

  setStream(stream: MediaStream): void {
    this.source?.disconnect();
    this.source = this.context.createMediaStreamSource(stream);
    this.source.connect(this.analyser);
    if (this.pcm) this.source.connect(this.pcm);
  }

  /** Starts the PCM worklet (once per call; later calls do nothing). */
  async startPcm(): Promise<void> {
    if (this.pcm) return;
    await this.context.audioWorklet.addModule(new URL('./pcm-worklet.js', import.meta.url));
    if (this.pcm) return;
    // One explicit mono input: the browser mixes a stereo microphone down before the worklet.
    this.pcm = new AudioWorkletNode(this.context, PCM_WORKLET_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: 'explicit',
    });
    this.pcm.port.onmessage = (message: MessageEvent<ArrayBuffer>) => this.onFrame?.(new Uint8Array(message.data));
    this.source?.connect(this.pcm);
  }

  /** The input level now, 0 to 1 on a dBFS scale (what people expect a meter to show). */
  level(): number {
    this.analyser.getFloatTimeDomainData(this.levelSamples);
    let sum = 0;
    for (const s of this.levelSamples) sum += s * s;
    const db = 10 * Math.log10(sum / this.levelSamples.length + 1e-12);
    return Math.min(1, Math.max(0, 1 - db / METER_FLOOR_DB));
  }

  async close(): Promise<void> {
    this.onFrame = undefined;
    this.source?.disconnect();
    this.pcm?.port.close();
    await this.context.close();
  }
}
