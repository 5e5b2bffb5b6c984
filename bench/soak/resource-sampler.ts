import { probe, scrapeGauges } from './http-probe.js';
import { readProcStats } from './proc-stats.js';

/** One row of the samples table. */
export interface ResourceSample {
  /** Seconds since the soak started. */
  t_s: number;
  rss_mb: number;
  fds: number;
  threads: number;
  /** CPU time over wall time since the previous sample, in % of one core. */
  cpu_pct: number;
  /** GET /healthz on a fresh connection: the event-loop delay as a client feels it; null when it got no answer. */
  healthz_ms: number | null;
  /** The server's own event-loop lag (p99), when it exports it. */
  loop_lag_ms: number | null;
  active_sessions: number | null;
  pending_connections: number | null;
}

/** Samples the server process's resources from /proc and its HTTP endpoints. */
export class ResourceSampler {
  private last: { cpuSeconds: number; at: number } | null = null;

  constructor(
    private readonly pid: number,
    private readonly httpPort: number,
    private readonly cpuSeconds: () => number,
    /** performance.now() of the soak's start: samples are timed from it. */
    private readonly startedAt: number,
  ) {}

  /** Null once the server process is gone. */
  async sample(): Promise<ResourceSample | null> {
    // /proc first: the probes' own connections must not be among the descriptors counted.
    const proc = readProcStats(this.pid);
    if (!proc) return null;
    const at = performance.now();
    let cpuSeconds: number;
    try {
      cpuSeconds = this.cpuSeconds();
    } catch {
      return null;
    }
    const cpuPct = this.last ? ((cpuSeconds - this.last.cpuSeconds) / ((at - this.last.at) / 1000)) * 100 : 0;
    this.last = { cpuSeconds, at };
    const [healthz, gauges] = await Promise.all([probe(this.httpPort, '/healthz'), scrapeGauges(this.httpPort)]);
    return {
      t_s: Math.round((at - this.startedAt) / 1000),
      rss_mb: Math.round(proc.rssBytes / 2 ** 20),
      fds: proc.fds,
      threads: proc.threads,
      cpu_pct: Math.round(cpuPct),
      healthz_ms: healthz?.status === 200 ? +healthz.ms.toFixed(1) : null,
      loop_lag_ms: gauges.loopLagMs === null ? null : +gauges.loopLagMs.toFixed(1),
      active_sessions: gauges.activeSessions,
      pending_connections: gauges.pendingConnections,
    };
  }
}
