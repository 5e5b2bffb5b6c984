import { ParleyError } from '../../proto/errors.js';
import { ChannelCostEstimator, type SampleOutcome } from './channel-cost-estimator.js';

/**
 * Admission by reserved capacity (design.md section 5, "Overload"). Required values first; the
 * optional ones default to `DEFAULT_CAPACITY_ADMISSION_TUNING`. Validated by the constructor.
 */
export interface CapacityAdmissionOptions {
  /** Cores of model compute: the scheduler's ordinary slots (`PARLEY_SCHEDULER_CONCURRENCY`). */
  concurrency: number;
  /**
   * Share of `concurrency` (0..1] that reservations may fill; also the scheduler's measured
   * utilization above which new sessions are refused (`PARLEY_ADMISSION_MAX_UTILIZATION_PCT`).
   * At 1 (100 %) admission by load is off: every reservation succeeds, and is still counted
   * and measured.
   */
  maxUtilization: number;
  /** Prior estimate of one channel's cost, in cores (0.25: a quarter of a core; `PARLEY_ADMISSION_CHANNEL_COST_PCT`). */
  channelCostCores: number;
  /** Lowest the estimate may fall; default a quarter of `channelCostCores`. */
  minChannelCostCores?: number;
  /** Highest the estimate may rise; default max(1, `channelCostCores`): a channel's work runs one job at a time, so one slot at most. */
  maxChannelCostCores?: number;
  /** Length of a measurement window, ms. */
  measureWindowMs?: number;
  /** A window with fewer reserved channel-seconds than this is not measured. */
  minMeasuredChannelSeconds?: number;
  /** EWMA weight of a measurement above the estimate (0..1]. */
  riseWeight?: number;
  /** EWMA weight of a measurement below the estimate (0..1]. */
  fallWeight?: number;
  /** Busy share of the slots at or above which a window's measurement may only raise the estimate (0..1]. */
  saturatedUtilization?: number;
  /**
   * Retry hint of a refusal at capacity, ms (`PARLEY_RETRY_AFTER_MS`), scaled by how far over
   * capacity the request was: x (reserved + requested) / capacity for the reservation check,
   * x utilization / maxUtilization for the utilization guard, at least x 1, at most
   * x `retryAfterMaxScale`. 0 sends a hint of 0 (retry at once).
   */
  retryAfterMs?: number;
  /** The scaled retry hint is at most `retryAfterMs` times this (>= 1). */
  retryAfterMaxScale?: number;
  /** Cumulative scheduler busy time, ms. Give this or call `recordWork`, not both (they add up). */
  busyMs?: () => number;
  /** The scheduler's measured utilization, 0..1 (`WorkScheduler.utilization`); refused above `maxUtilization`. */
  utilization?: () => number;
  /** Clock, ms; default `performance.now`. */
  now?: () => number;
}

export const DEFAULT_CAPACITY_ADMISSION_TUNING = {
  measureWindowMs: 5000,
  minMeasuredChannelSeconds: 5,
  riseWeight: 0.5,
  fallWeight: 0.2,
  saturatedUtilization: 0.9,
  retryAfterMs: 1000,
  retryAfterMaxScale: 4,
} as const;

/** A session's reserved capacity; `release()` gives it back and is idempotent. */
export interface AdmissionTicket {
  readonly channels: number;
  readonly released: boolean;
  release(): void;
}

/** Why a reservation was refused: the reserved total, or the scheduler's measured utilization. */
export type RefusalReason = 'reserved' | 'utilization';

/** `capacity_exceeded`, fatal, with a retry hint; `reason` is for metrics (`parley_sessions_refused_total{reason}`). */
export class AdmissionRefusal extends ParleyError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    retryAfterMs: number,
  ) {
    super('capacity_exceeded', message, true, retryAfterMs);
  }
}

/** Allowance for float sums: 6 x 0.25 fits 1.5, and so does 15 x 0.1. */
const EPSILON = 1e-9;

/**
 * Refuses a session before the admitted ones miss their budget: each admitted channel
 * reserves an estimated cost in cores, and a new one is refused with `capacity_exceeded`
 * (and a retry hint) when the reserved total plus its own would exceed
 * `concurrency x maxUtilization`. Reservations count from the moment of admission, so a
 * burst is judged before any of it has run. The estimate starts from `channelCostCores` and
 * follows the measured cost (`ChannelCostEstimator`); reserved cores are always
 * `reservedChannels x` the current estimate. As a backstop, a new session is also refused
 * while the scheduler's measured utilization is above `maxUtilization`.
 */
export class CapacityAdmission {
  private readonly concurrency: number;
  private readonly maxUtilization: number;
  private readonly windowMs: number;
  private readonly retryAfterMs: number;
  private readonly retryAfterMaxScale: number;
  private readonly now: () => number;
  private readonly busySource: (() => number) | undefined;
  private readonly utilizationSource: (() => number) | undefined;
  private readonly estimator: ChannelCostEstimator;

  private channels = 0;
  private recordedBusyMs = 0;
  /** Reserved channels integrated since the window started, channel-ms. */
  private windowChannelMs = 0;
  private windowStart: number;
  private windowBusyStart: number;
  private lastChange: number;
  private lastOutcome: SampleOutcome | null = null;

  constructor(options: CapacityAdmissionOptions) {
    const t = { ...DEFAULT_CAPACITY_ADMISSION_TUNING, ...definedOnly(options) };
    if (!Number.isFinite(options.concurrency) || options.concurrency <= 0) {
      throw new Error(`admission concurrency must be a positive number of cores, got ${options.concurrency}`);
    }
    if (!(options.maxUtilization > 0 && options.maxUtilization <= 1)) {
      throw new Error(`admission maxUtilization must be in (0, 1], got ${options.maxUtilization}`);
    }
    if (!Number.isFinite(t.measureWindowMs) || t.measureWindowMs <= 0) {
      throw new Error(`admission measureWindowMs must be a positive number, got ${t.measureWindowMs}`);
    }
    if (!Number.isFinite(t.retryAfterMs) || t.retryAfterMs < 0) {
      throw new Error(`admission retryAfterMs must be a non-negative number, got ${t.retryAfterMs}`);
    }
    if (!Number.isFinite(t.retryAfterMaxScale) || t.retryAfterMaxScale < 1) {
      throw new Error(`admission retryAfterMaxScale must be a number >= 1, got ${t.retryAfterMaxScale}`);
    }
    for (const name of ['busyMs', 'utilization', 'now'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') throw new Error(`admission ${name} must be a function`);
    }
    this.concurrency = options.concurrency;
    this.maxUtilization = options.maxUtilization;
    this.windowMs = t.measureWindowMs;
    this.retryAfterMs = t.retryAfterMs;
    this.retryAfterMaxScale = t.retryAfterMaxScale;
    this.now = options.now ?? (() => performance.now());
    this.busySource = options.busyMs;
    this.utilizationSource = options.utilization;
    this.estimator = new ChannelCostEstimator({
      channelCostCores: options.channelCostCores,
      minChannelCostCores: options.minChannelCostCores ?? options.channelCostCores / 4,
      maxChannelCostCores: options.maxChannelCostCores ?? Math.max(1, options.channelCostCores),
      riseWeight: t.riseWeight,
      fallWeight: t.fallWeight,
      minMeasuredChannelSeconds: t.minMeasuredChannelSeconds,
      saturatedUtilization: t.saturatedUtilization,
    });
    const now = this.now();
    this.windowStart = now;
    this.lastChange = now;
    this.windowBusyStart = this.busyMs();
  }

  /** `concurrency x maxUtilization`, cores. */
  get capacityCores(): number {
    return this.concurrency * this.maxUtilization;
  }

  /** Current estimate of one channel's cost, cores. */
  get channelCostCores(): number {
    this.advance();
    return this.estimator.cores;
  }

  /** The last measurement window's raw cost per channel (before smoothing), or null before the first. */
  get lastMeasuredChannelCostCores(): number | null {
    this.advance();
    return this.estimator.lastMeasuredCores;
  }

  /** What the last closed measurement window did to the estimate, or null before the first. */
  get lastMeasurement(): SampleOutcome | null {
    this.advance();
    return this.lastOutcome;
  }

  get reservedChannels(): number {
    return this.channels;
  }

  /** `reservedChannels x channelCostCores`. */
  get reservedCores(): number {
    return this.channels * this.channelCostCores;
  }

  /** Whether admission by load is on (`maxUtilization` below 1). */
  get enforcing(): boolean {
    return this.maxUtilization < 1;
  }

  /** Adds one finished work item's service time (wire to `SchedulerObserver.finished`). */
  recordWork(serviceMs: number): void {
    if (!Number.isFinite(serviceMs) || serviceMs < 0) return;
    this.advance();
    this.recordedBusyMs += serviceMs;
  }

  /**
   * Reserves `channels` x the current estimate, or throws `AdmissionRefusal`
   * (`capacity_exceeded`, fatal, with `retryAfterMs`) when that would take the reserved total
   * over `capacityCores` (except on an idle server: with nothing reserved, one session is
   * always let in), or while the scheduler's measured utilization is above `maxUtilization`.
   */
  reserve(channels: number): AdmissionTicket {
    if (!Number.isInteger(channels) || channels < 1) throw new Error(`reserve needs a positive whole number of channels, got ${channels}`);
    this.advance();
    if (this.enforcing) {
      const utilization = this.utilizationSource?.();
      if (utilization !== undefined && utilization > this.maxUtilization) {
        throw new AdmissionRefusal(
          'utilization',
          `the server is at capacity (model work ${Math.round(utilization * 100)}% busy); try again later`,
          this.retryHint(utilization / this.maxUtilization),
        );
      }
      const cost = this.estimator.cores;
      const demand = (this.channels + channels) * cost;
      const capacity = this.capacityCores;
      // An idle server admits one session whatever its estimate: refusing it could never end.
      if (this.channels > 0 && demand > capacity + EPSILON) {
        const held = this.channels === 1 ? '1 channel' : `${this.channels} channels`;
        throw new AdmissionRefusal(
          'reserved',
          `the server is at capacity (${held} admitted, ${(this.channels * cost).toFixed(2)} of ${capacity.toFixed(2)} cores reserved, ` +
            `${cost.toFixed(2)} per channel); try again later`,
          this.retryHint(demand / capacity),
        );
      }
    }
    this.channels += channels;
    let released = false;
    return {
      channels,
      get released() {
        return released;
      },
      release: () => {
        if (released) return;
        released = true;
        this.advance();
        this.channels -= channels;
      },
    };
  }

  /** `retryAfterMs` scaled by how far over capacity the request was (1 at capacity), at most `retryAfterMaxScale` times. */
  private retryHint(overshoot: number): number {
    const scale = Math.min(this.retryAfterMaxScale, Math.max(1, overshoot));
    return Math.round(this.retryAfterMs * scale);
  }

  private busyMs(): number {
    return (this.busySource?.() ?? 0) + this.recordedBusyMs;
  }

  /** Integrates the reserved channels up to now and closes the measurement window when it is over. */
  private advance(): void {
    const now = this.now();
    if (now > this.lastChange) {
      this.windowChannelMs += this.channels * (now - this.lastChange);
      this.lastChange = now;
    }
    const elapsed = now - this.windowStart;
    if (elapsed < this.windowMs) return;
    const busy = this.busyMs();
    this.lastOutcome = this.estimator.observe({
      busyMs: busy - this.windowBusyStart,
      channelMs: this.windowChannelMs,
      slotMs: this.concurrency * elapsed,
    });
    this.windowStart = now;
    this.windowBusyStart = busy;
    this.windowChannelMs = 0;
  }
}

/** The options a caller set, so an explicit `undefined` does not override a default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
