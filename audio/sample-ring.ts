/**
 * The most recent `capacity` samples of a stream, addressed by absolute sample index (samples
 * since the stream or the last `clear()` began). Fixed memory whatever the stream's length.
 */
export class SampleRing {
  private readonly buffer: Float32Array;
  private written = 0;

  constructor(readonly capacity: number) {
    this.buffer = new Float32Array(capacity);
  }

  /** Absolute index one past the newest sample: how many samples were written. */
  get end(): number {
    return this.written;
  }

  /** Absolute index of the oldest sample still held. */
  get start(): number {
    return Math.max(0, this.written - this.capacity);
  }

  get byteLength(): number {
    return this.buffer.byteLength;
  }

  write(samples: Float32Array): void {
    const { capacity, buffer } = this;
    // Only the last `capacity` samples of a long write can survive it.
    const kept = samples.length > capacity ? samples.subarray(samples.length - capacity) : samples;
    this.written += samples.length - kept.length;
    const at = this.written % capacity;
    const first = Math.min(kept.length, capacity - at);
    buffer.set(kept.subarray(0, first), at);
    buffer.set(kept.subarray(first), 0);
    this.written += kept.length;
  }

  /** Copies samples [from, to), absolute, into the start of `out`; the range must be held. */
  copy(from: number, to: number, out: Float32Array): void {
    const { capacity, buffer } = this;
    const at = from % capacity;
    const length = to - from;
    const first = Math.min(length, capacity - at);
    out.set(buffer.subarray(at, at + first), 0);
    out.set(buffer.subarray(0, length - first), first);
  }

  clear(): void {
    this.written = 0;
  }
}
