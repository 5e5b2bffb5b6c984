import { setMaxListeners } from 'node:events';
import type { HostileKind } from './kinds/hostile-kinds.js';
import { normalCall, type Transport } from './kinds/normal-call.js';
import { pause, type SoakTarget } from './kinds/visit.js';
import type { Tally } from './tally.js';

/** Normal calls start this far apart, so their turns do not line up. */
const NORMAL_STAGGER_MS = 2000;
/** Between one normal call and the next on the same line; also the back-off when the server refused or is gone. */
const BETWEEN_CALLS_MS = 1000;

export interface LoadPlan {
  normalWs: number;
  normalGrpc: number;
  /** Hostile visits started per second, the kinds taking turns. */
  hostileRate: number;
  kinds: readonly HostileKind[];
  /** performance.now() at which the load is to stop. */
  loadEndsAt: number;
}

/** Runs the normal call lines and starts hostile visits at the planned rate until stopped. */
export class LoadDriver {
  /** Aborts at stop(): hostile visits drop their connections, normal lines start no new call. */
  private readonly stopping = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private readonly inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private nextKind = 0;
  private callsStarted = 0;

  constructor(
    private readonly target: SoakTarget,
    private readonly plan: LoadPlan,
    private readonly tally: Tally,
  ) {
    // Every waiting visit listens on it (a flood alone is 12), and they remove their listeners: no leak to warn about.
    setMaxListeners(0, this.stopping.signal);
  }

  start(): void {
    const lines: Transport[] = [...Array<Transport>(this.plan.normalWs).fill('ws'), ...Array<Transport>(this.plan.normalGrpc).fill('grpc')];
    lines.forEach((transport, i) => this.track(this.normalLine(transport, i * NORMAL_STAGGER_MS)));
    if (this.plan.hostileRate > 0 && this.plan.kinds.length > 0) {
      this.timer = setInterval(() => this.startHostileVisit(), 1000 / this.plan.hostileRate);
    }
  }

  /** Starts nothing more, drops the hostile visits' connections, lets the normal calls finish. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private async normalLine(transport: Transport, delayMs: number): Promise<void> {
    await pause(delayMs, this.stopping.signal);
    while (!this.stopping.signal.aborted) {
      const call = this.target.speech.call(this.callsStarted++);
      await this.tally.record(`normal-${transport}`, normalCall(this.target, transport, call, 1));
      await pause(BETWEEN_CALLS_MS, this.stopping.signal);
    }
  }

  /** The next kind, in turn, that is below its cap; none when all are at it. */
  private startHostileVisit(): void {
    for (let tried = 0; tried < this.plan.kinds.length; tried++) {
      const kind = this.plan.kinds[this.nextKind++ % this.plan.kinds.length]!;
      const running = this.inFlight.get(kind.name) ?? 0;
      if (running >= kind.maxInFlight) continue;
      this.inFlight.set(kind.name, running + 1);
      const visit = { ...this.target, signal: this.stopping.signal, loadEndsAt: this.plan.loadEndsAt };
      this.track(this.tally.record(kind.name, kind.run(visit)).finally(() => this.inFlight.set(kind.name, this.inFlight.get(kind.name)! - 1)));
      return;
    }
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }
}
