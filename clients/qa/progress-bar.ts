/** How far a QA run has got. Audio counts finished calls only. */
export interface RunProgress {
  callsDone: number;
  callsTotal: number;
  audioMsDone: number;
  audioMsTotal: number;
}

export interface ProgressBarOptions {
  /** Redraw this often, so elapsed time and ETA move between calls. */
  redrawMs: number;
  /** Characters of the bar itself. */
  barWidth: number;
}

export const DEFAULT_PROGRESS_BAR_OPTIONS: ProgressBarOptions = { redrawMs: 500, barWidth: 24 };

const MS_PER_HOUR = 3_600_000;

/**
 * One line: bar, calls, audio hours, elapsed, ETA. The ETA extrapolates from audio done, not
 * calls done: calls differ in length, and the server's work follows the audio.
 */
export function formatProgress(progress: RunProgress, elapsedMs: number, barWidth = DEFAULT_PROGRESS_BAR_OPTIONS.barWidth): string {
  const fraction = progress.audioMsTotal > 0 ? Math.min(1, progress.audioMsDone / progress.audioMsTotal) : progress.callsDone / Math.max(1, progress.callsTotal);
  const filled = Math.round(fraction * barWidth);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
  const hours = `${(progress.audioMsDone / MS_PER_HOUR).toFixed(2)}/${(progress.audioMsTotal / MS_PER_HOUR).toFixed(2)} h audio`;
  const eta = fraction > 0 ? formatDuration((elapsedMs * (1 - fraction)) / fraction) : '--:--';
  return `${bar} ${progress.callsDone}/${progress.callsTotal} calls  ${hours}  elapsed ${formatDuration(elapsedMs)}  ETA ${eta}`;
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const seconds = String(total % 60).padStart(2, '0');
  const minutes = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** The line a terminal shows while a run goes on; the caller makes one only for a TTY. */
export class ProgressBar {
  private readonly startedAt = performance.now();
  private readonly timer: NodeJS.Timeout;
  private progress: RunProgress;
  private stopped = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    callsTotal: number,
    audioMsTotal: number,
    private readonly options: ProgressBarOptions = DEFAULT_PROGRESS_BAR_OPTIONS,
  ) {
    this.progress = { callsDone: 0, callsTotal, audioMsDone: 0, audioMsTotal };
    this.timer = setInterval(() => this.draw(), options.redrawMs);
    // The run, not the bar, keeps the process alive.
    this.timer.unref();
    this.draw();
  }

  update(progress: RunProgress): void {
    this.progress = progress;
    this.draw();
  }

  /** Draws the last state and leaves it on its own line. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.draw();
    this.stopped = true;
    clearInterval(this.timer);
    this.stream.write('\n');
  }

  private draw(): void {
    if (this.stopped) return;
    const line = formatProgress(this.progress, performance.now() - this.startedAt, this.options.barWidth);
    // Cut to the terminal's width: a wrapped line would not be overwritten by `\r`.
    const columns = this.stream.columns > 0 ? this.stream.columns - 1 : line.length;
    this.stream.write(`\r${line.slice(0, columns)}\x1b[K`);
  }
}
