interface Arrival {
  /** Audio time (ms) at the end of the samples that arrived. */
  endMs: number;
  /** `performance.now()` when they arrived. */
  wallMs: number;
}

/**
 * Maps audio time to the wall time its samples reached the server, so latencies can be
 * measured as design.md section 4 defines them.
 */
export class ReceiveClock {
  private arrivals: Arrival[] = [];
  private head = 0;

  record(endMs: number, wallMs: number): void {
    this.arrivals.push({ endMs, wallMs });
  }

  /** Wall time when the sample at `audioMs` had been received. */
  wallTimeAt(audioMs: number): number {
    for (let i = this.head; i < this.arrivals.length; i++) {
      const arrival = this.arrivals[i]!;
      if (arrival.endMs >= audioMs) return arrival.wallMs;
    }
    const last = this.arrivals[this.arrivals.length - 1];
    return last ? last.wallMs : performance.now();
  }

  /** Forgets arrivals wholly before `audioMs`: no later question asks about them. */
  forgetBefore(audioMs: number): void {
    while (this.head < this.arrivals.length - 1 && this.arrivals[this.head]!.endMs < audioMs) this.head++;
    if (this.head > 1024) {
      this.arrivals = this.arrivals.slice(this.head);
      this.head = 0;
    }
  }
}
