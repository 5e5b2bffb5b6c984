/** A FIFO of audio samples that hands out exact-length pieces without copying more than needed. */
export class SampleQueue {
  private parts: Float32Array[] = [];
  private offset = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(samples: Float32Array): void {
    if (samples.length === 0) return;
    this.parts.push(samples);
    this.total += samples.length;
  }

  /** Removes and returns the first `count` samples (fewer if fewer are queued). */
  take(count: number): Float32Array {
    const n = Math.min(count, this.total);
    const first = this.parts[0];
    if (first && first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.advance(n);
      return out;
    }
    const out = new Float32Array(n);
    let written = 0;
    while (written < n) {
      const part = this.parts[0]!;
      const piece = part.subarray(this.offset, this.offset + Math.min(part.length - this.offset, n - written));
      out.set(piece, written);
      written += piece.length;
      this.advance(piece.length);
    }
    return out;
  }

  /** Drops the oldest samples so at most `max` remain. */
  keepLast(max: number): void {
    if (this.total > max) this.take(this.total - max);
  }

  clear(): void {
    this.parts = [];
    this.offset = 0;
    this.total = 0;
  }

  private advance(n: number): void {
    this.total -= n;
    this.offset += n;
    while (this.parts.length > 0 && this.offset >= this.parts[0]!.length) {
      this.offset -= this.parts[0]!.length;
      this.parts.shift();
    }
  }
}
