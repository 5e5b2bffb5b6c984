import { RunningHistogram } from './running-histogram.js';

/**
 * One speaker's running prosodic norms, in O(1) memory: the distribution of F0 (in
 * semitones, 12 log2 Hz, quarter-semitone bins from 50 to 500 Hz) and of voiced-run
 * durations (10 ms bins to 1.5 s). Both forget by halves, F0 after a minute of voiced
 * frames and runs after 400 runs, so they follow a voice that changes during a call.
 */
export class SpeakerProsody {
  private readonly f0 = new RunningHistogram({ min: 12 * Math.log2(50), max: 12 * Math.log2(500), bins: 160, forgetAfter: 6000 });
  private readonly runs = new RunningHistogram({ min: 0, max: 1500, bins: 150, forgetAfter: 400 });

  get byteLength(): number {
    return this.f0.byteLength + this.runs.byteLength;
  }

  addF0(hz: number): void {
    this.f0.add(semitones(hz));
  }

  addVoicedRun(ms: number): void {
    this.runs.add(ms);
  }

  /** Median F0 in semitones (12 log2 Hz); null before any voiced frame. */
  medianF0Semitones(): number | null {
    return this.f0.quantile(0.5);
  }

  /** Median voiced-run duration, ms; null until `minRuns` runs are known. */
  typicalRunMs(minRuns: number): number | null {
    return this.runs.weight < minRuns ? null : this.runs.quantile(0.5);
  }

  /**
   * The speaker's plausible F0 range once `minFrames` voiced frames are known, by Hirst's
   * two-pass rule (0.75 x first quartile to 1.5 x third quartile): what a tracker reports
   * outside it is mostly breath noise, squeaks and octave errors, not the speaker's voice.
   */
  f0Range(minFrames: number): { floorHz: number; ceilingHz: number } | null {
    if (this.f0.weight < minFrames) return null;
    const hz = (st: number): number => 2 ** (st / 12);
    return { floorHz: 0.75 * hz(this.f0.quantile(0.25)!), ceilingHz: 1.5 * hz(this.f0.quantile(0.75)!) };
  }

  clear(): void {
    this.f0.clear();
    this.runs.clear();
  }
}

export const semitones = (hz: number): number => 12 * Math.log2(hz);
