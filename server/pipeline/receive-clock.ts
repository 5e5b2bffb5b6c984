interface Arrival {
  /** Audio time (ms) at the end of the samples that arrived. */
  endMs: number;
  /** `performance.now()` when they arrived. */
  wallMs: number;
}

/**
 * Maps audio time to the wall time its samples reached the server, so latencies can be
 * measured as design.md section 4 defines them. It is asked once per VAD chunk, so an
 * answer must not cost more as a turn grows: it is a binary search over the arrivals
 * still held, and forgotten ones are dropped in amortized constant time.
 */
export class ReceiveClock {
  private arrivals: Arrival[] = [];
  private head = 0;
  /** Arrivals looked at by `wallTimeAt` so far: its cost, which tests bound. */
  probes = 0;

  /** Arrivals in memory, forgotten ones not yet dropped included. */
  get held(): number {
    return this.arrivals.length;
  }

  /** `endMs` must not decrease from one call to the next (audio time only grows). */
  record(endMs: number, wallMs: number): void {
    this.arrivals.push({ endMs, wallMs });
  }

  /** Wall time when the sample at `audioMs` had been received. */
  wallTimeAt(audioMs: number): number {
    if (this.arrivals.length === 0) return performance.now();
    // The first held arrival that ends at or after `audioMs`; the last one if none does.
    let low = this.head;
    let high = this.arrivals.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      this.probes++;
      if (this.arrivals[mid]!.endMs >= audioMs) high = mid;
      else low = mid + 1;
    }
    return this.arrivals[low]!.wallMs;
  }

  /** Forgets arrivals wholly before `audioMs`: no later question asks about them. */
  forgetBefore(audioMs: number): void {
    while (this.head < this.arrivals.length - 1 && this.arrivals[this.head]!.endMs < audioMs) this.head++;
    // Copy out the held part once the forgotten part is the larger: a copy moves no more
    // arrivals than were forgotten since the last one, so forgetting is amortized O(1).
    if (this.head >= 1024 && this.head * 2 >= this.arrivals.length) {
      this.arrivals = this.arrivals.slice(this.head);
      this.head = 0;
    }
  }
}
