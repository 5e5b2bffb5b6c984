/**
 * Where a stream's VAD said speech, as the last `capacity` spans of speech in absolute
 * samples: fixed memory, and at 32 ms VAD chunks a speech span and the gap after it take
 * 64 ms at least, so 32 spans cover two seconds however the VAD flips.
 */
export class SpeechSpans {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  /** Spans recorded so far; span k is at k % capacity. */
  private spans = 0;
  private written = 0;
  private inSpeech = false;

  constructor(readonly capacity = 32) {
    this.starts = new Float64Array(capacity);
    this.ends = new Float64Array(capacity);
  }

  get byteLength(): number {
    return this.starts.byteLength + this.ends.byteLength;
  }

  /** Records the next `length` samples of the stream as speech or not. */
  accept(length: number, isSpeech: boolean): void {
    if (isSpeech) {
      if (!this.inSpeech) {
        this.starts[this.spans % this.capacity] = this.written;
        this.spans++;
        this.inSpeech = true;
      }
      this.ends[(this.spans - 1) % this.capacity] = this.written + length;
    } else {
      this.inSpeech = false;
    }
    this.written += length;
  }

  /**
   * Whether absolute sample `at` was in speech, or within `margin` samples of it; spans
   * pushed out of memory count as not.
   */
  isSpeech(at: number, margin = 0): boolean {
    const oldest = Math.max(0, this.spans - this.capacity);
    for (let k = this.spans - 1; k >= oldest; k--) {
      const slot = k % this.capacity;
      if (at >= this.ends[slot]! + margin) return false;
      if (at >= this.starts[slot]! - margin) return true;
    }
    return false;
  }

  /** A copy, as the spans stand now. */
  snapshot(): SpeechSpans {
    const copy = new SpeechSpans(this.capacity);
    copy.starts.set(this.starts);
    copy.ends.set(this.ends);
    copy.spans = this.spans;
    copy.written = this.written;
    copy.inSpeech = this.inSpeech;
    return copy;
  }

  clear(): void {
    this.spans = 0;
    this.written = 0;
    this.inSpeech = false;
  }
}
