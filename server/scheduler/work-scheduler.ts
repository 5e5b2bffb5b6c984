import { ParleyError } from '../../proto/errors.js';
import { DeadlineQueue } from './deadline-queue.js';
import { URGENT_TIER, WORK_TIER, type WorkClass } from './work-class.js';

export interface WorkRequest<T> {
  workClass: WorkClass;
  /** Work with the same key runs one at a time, in submission order (one channel's audio). */
  key: string;
  /** Absolute, on `performance.now()`. */
  deadline: number;
  /** Starts the work; it must run off the event loop (native async worker, worker thread). */
  run: () => Promise<T>;
}

/** Told about every item, for metrics. */
export interface SchedulerObserver {
  started(workClass: WorkClass, queueWaitMs: number): void;
  finished(workClass: WorkClass, serviceMs: number, missedDeadline: boolean): void;
}

export interface WorkSchedulerOptions {
  /** Work items in flight at once: one per core. */
  concurrency: number;
  /**
   * Extra slots only the urgent tier may use. Jobs are not preempted, so without them a
   * VAD batch or a turn's end would wait behind long partial decodes on every core.
   */
  urgentReserve: number;
  /** Window over which `utilization` is measured. */
  utilizationWindowMs: number;
  /**
   * Classes whose model runs on a thread of its own (the VAD worker), not on the slots that
   * decoding shares: their jobs never wait for a slot, only for their key's previous job.
   * Otherwise a VAD batch would queue behind decodes that the OS runs slowly on purpose
   * (a lower nice value) while they hold every slot.
   */
  ownThreadClasses?: readonly WorkClass[];
  observer?: SchedulerObserver;
}

interface Job {
  request: WorkRequest<unknown>;
  enqueuedAt: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A key's waiting jobs; only the head is in the queue, ranked by the most urgent of them all. */
interface Lane {
  key: string;
  jobs: Job[];
  /** When its running job started; null when idle. */
  runningSince: number | null;
  queued: Entry | null;
}

interface Entry {
  lane: Lane;
  /** Queued among own-thread work (see `ownThreadClasses`). */
  ownThread: boolean;
  tier: number;
  deadline: number;
  seq: number;
}

/**
 * The single owner of model compute (design.md section 5): earliest deadline first within a
 * tier, the urgent tier before partial decoding, one job per key at a time, at most
 * `concurrency` jobs in flight.
 */
export class WorkScheduler {
  private readonly queue = new DeadlineQueue<Entry>();
  private readonly ownThreadQueue = new DeadlineQueue<Entry>();
  private readonly lanes = new Map<string, Lane>();
  private inFlight = 0;
  private seq = 0;
  private closed = false;
  /** Finished jobs' busy intervals, for utilization. */
  private busy: Array<{ start: number; end: number }> = [];

  constructor(private readonly options: WorkSchedulerOptions) {}

  /** Share of the worker slots busy over the last `utilizationWindowMs`, 0..1. */
  get utilization(): number {
    const now = performance.now();
    const from = now - this.options.utilizationWindowMs;
    this.forgetBusyBefore(from);
    let busyMs = this.busy.reduce((sum, b) => sum + (b.end - Math.max(b.start, from)), 0);
    for (const lane of this.lanes.values()) {
      if (lane.runningSince !== null) busyMs += now - Math.max(lane.runningSince, from);
    }
    return Math.min(1, busyMs / (this.options.utilizationWindowMs * this.options.concurrency));
  }

  get queued(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.jobs.length;
    return n;
  }

  submit<T>(request: WorkRequest<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ParleyError('session_ended', 'the scheduler is closed'));
    return new Promise<T>((resolve, reject) => {
      let lane = this.lanes.get(request.key);
      if (!lane) {
        lane = { key: request.key, jobs: [], runningSince: null, queued: null };
        this.lanes.set(request.key, lane);
      }
      lane.jobs.push({ request, enqueuedAt: performance.now(), resolve: resolve as (v: unknown) => void, reject });
      this.rank(lane);
      this.dispatch();
    });
  }

  /** Rejects a key's waiting jobs (its session ended); a running one finishes. */
  cancel(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane) return;
    const jobs = lane.jobs.splice(0);
    this.unqueue(lane);
    if (lane.runningSince === null) this.lanes.delete(key);
    for (const job of jobs) job.reject(new ParleyError('session_ended', 'the session ended before this work ran'));
  }

  /** Rejects everything waiting; running jobs finish. Idempotent. */
  close(): void {
    this.closed = true;
    for (const key of [...this.lanes.keys()]) this.cancel(key);
  }

  private forgetBusyBefore(time: number): void {
    let drop = 0;
    while (drop < this.busy.length && this.busy[drop]!.end <= time) drop++;
    if (drop > 0) this.busy.splice(0, drop);
  }

  /** (Re)places a lane in the queue, ranked by its most urgent waiting job. */
  private rank(lane: Lane): void {
    this.unqueue(lane);
    if (lane.runningSince !== null || lane.jobs.length === 0) return;
    let tier = Infinity;
    let deadline = Infinity;
    for (const { request } of lane.jobs) {
      const t = WORK_TIER[request.workClass];
      if (t < tier || (t === tier && request.deadline < deadline)) {
        tier = t;
        deadline = request.deadline;
      }
    }
    // A lane runs its jobs in order: the next one decides where it waits.
    const ownThread = this.options.ownThreadClasses?.includes(lane.jobs[0]!.request.workClass) ?? false;
    lane.queued = { lane, ownThread, tier, deadline, seq: this.seq++ };
    this.queueOf(lane.queued).push(lane.queued);
  }

  private queueOf(entry: Entry): DeadlineQueue<Entry> {
    return entry.ownThread ? this.ownThreadQueue : this.queue;
  }

  private unqueue(lane: Lane): void {
    if (!lane.queued) return;
    const entry = lane.queued;
    lane.queued = null;
    this.queueOf(entry).removeWhere((e) => e === entry);
  }

  private dispatch(): void {
    for (let entry = this.ownThreadQueue.pop(); entry; entry = this.ownThreadQueue.pop()) {
      entry.lane.queued = null;
      this.start(entry.lane, entry.lane.jobs.shift()!, false);
    }
    const { concurrency, urgentReserve } = this.options;
    while (this.inFlight < concurrency + urgentReserve) {
      const entry = this.queue.peek();
      if (!entry) return;
      // The most urgent waiting job is partial work: it may only take the ordinary slots.
      if (entry.tier > URGENT_TIER && this.inFlight >= concurrency) return;
      this.queue.pop();
      const lane = entry.lane;
      lane.queued = null;
      const job = lane.jobs.shift()!;
      this.start(lane, job, true);
    }
  }

  /** `takesSlot`: counts against `concurrency` (own-thread work does not). */
  private start(lane: Lane, job: Job, takesSlot: boolean): void {
    const { request } = job;
    const startedAt = performance.now();
    lane.runningSince = startedAt;
    if (takesSlot) this.inFlight++;
    this.options.observer?.started(request.workClass, startedAt - job.enqueuedAt);
    let work: Promise<unknown>;
    try {
      work = request.run();
    } catch (error) {
      work = Promise.reject(error);
    }
    work
      .then(job.resolve, job.reject)
      .finally(() => {
        const end = performance.now();
        this.busy.push({ start: startedAt, end });
        this.forgetBusyBefore(end - this.options.utilizationWindowMs);
        this.options.observer?.finished(request.workClass, end - startedAt, end > request.deadline);
        if (takesSlot) this.inFlight--;
        lane.runningSince = null;
        if (lane.jobs.length === 0) this.lanes.delete(lane.key);
        else this.rank(lane);
        this.dispatch();
      });
  }
}
