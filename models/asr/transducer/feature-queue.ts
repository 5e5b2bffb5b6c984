import { StreamingFbank } from '../../../audio/kaldi-fbank.js';

/**
 * One stream's fbank frames waiting for the encoder. Chunks overlap (each is `chunkFrames`
 * long and the stream advances by `chunkShift`), so frames stay until no later chunk needs them.
 */
export class FeatureQueue {
  private fbank: StreamingFbank;
  private buffer: Float32Array;
  /** Frames in `buffer`, from `first` on. */
  private count = 0;
  /** Stream frame index of buffer's first frame: the first frame the next chunk takes. */
  private first = 0;

  constructor(
    private readonly chunkFrames: number,
    private readonly chunkShift: number,
    private readonly dim: number,
  ) {
    this.fbank = new StreamingFbank({ melBins: dim });
    this.buffer = new Float32Array(chunkFrames * 2 * dim);
  }

  /** 16 kHz samples in [-1, 1]. */
  accept(samples: Float32Array): void {
    this.append(this.fbank.accept(samples));
  }

  /** No more audio: the trailing frames are completed. */
  finish(): void {
    this.append(this.fbank.finish());
  }

  /**
   * Whether a chunk can go to the encoder. As sherpa-onnx decides it, strictly more frames
   * than a chunk must be ready, so that the same chunks are decoded.
   */
  get ready(): boolean {
    return this.chunkFrames < this.count;
  }

  /** Frames decoded so far (advanced by a shift per chunk). */
  get processedFrames(): number {
    return this.first;
  }

  /** The next chunk's frames (a new array), then advances by one shift. */
  takeChunk(): Float32Array {
    const chunk = this.buffer.slice(0, this.chunkFrames * this.dim);
    this.buffer.copyWithin(0, this.chunkShift * this.dim, this.count * this.dim);
    this.count -= this.chunkShift;
    this.first += this.chunkShift;
    return chunk;
  }

  /** Starts over for a new utterance. */
  reset(): void {
    this.fbank = new StreamingFbank({ melBins: this.dim });
    this.count = 0;
    this.first = 0;
  }

  private append(frames: Float32Array): void {
    const needed = this.count * this.dim + frames.length;
    if (needed > this.buffer.length) {
      const grown = new Float32Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.count * this.dim));
      this.buffer = grown;
    }
    this.buffer.set(frames, this.count * this.dim);
    this.count += frames.length / this.dim;
  }
}
