import { fetchMetrics, samplesOf } from '../../test/support/prometheus-text.js';
import { runPhase, staggered, summarize, type PhasePlan } from './phase-runner.js';
import { startServerProcess } from './server-process.js';
import { sampleThreadNice, type NiceReport } from './thread-nice.js';

/** Every session admitted: the scheduler is meant to saturate. */
export const ADMISSION_OFF = { PARLEY_ADMISSION_MAX_UTILIZATION_PCT: '100', PARLEY_MAX_SESSIONS: '64' };

export interface SaturationOptions {
  sessions: number;
  staggerMs: number;
  /** PARLEY_DECODE_NICE of each run, in order (repeat values to interleave runs against drift). */
  niceLevels: number[];
  callFor: PhasePlan['callFor'];
  sessionConfig: Record<string, number>;
  /** Environment of the server on top of admission off and the nice value. */
  serverEnv: Record<string, string>;
}

export interface SaturationRow {
  decode_nice: number;
  sessions: number;
  turns: number;
  eager_p50_ms: number;
  eager_p95_ms: number;
  eager_p99_ms: number;
  partial_p50_ms: number;
  partial_p95_ms: number;
  final_p95_ms: number;
  missed_turns: number;
  false_eager_per_turn: number;
  wer: number;
  cpu_cores: number;
  steal_pct: number;
  /** Server CPU seconds used by threads at a nice value above 0 (the lowered decode threads). */
  cpu_s_niced: number;
  /** Server CPU seconds used by threads at nice 0. */
  cpu_s_nice0: number;
  deadline_misses_vad: number;
  deadline_misses_final: number;
  deadline_misses_partial: number;
}

export interface SaturationRun {
  row: SaturationRow;
  threads: NiceReport;
}

async function deadlineMisses(port: number): Promise<Record<string, number>> {
  try {
    const { metrics } = await fetchMetrics(port);
    return Object.fromEntries(samplesOf(metrics, 'parley_scheduler_deadline_misses_total').map((s) => [s.labels.class ?? '', s.value]));
  } catch (error) {
    console.warn(`could not read the server's /metrics: ${String(error)}`);
    return {};
  }
}

/**
 * N concurrent calls at real time with admission off, so recognition saturates the CPU, once
 * per PARLEY_DECODE_NICE value: shows whether lowering the decode threads' OS priority keeps
 * the turn signals (VAD, eager ends) on time, and what it costs the partials.
 */
export async function runDecodeNiceSaturation(options: SaturationOptions): Promise<SaturationRun[]> {
  const runs: SaturationRun[] = [];
  for (const nice of options.niceLevels) {
    const server = await startServerProcess({ ...ADMISSION_OFF, ...options.serverEnv, PARLEY_DECODE_NICE: String(nice) });
    try {
      const sampler = sampleThreadNice(server.pid);
      const phase = await runPhase(server, {
        sessions: options.sessions,
        callFor: options.callFor,
        speed: 1,
        startOffsetMs: staggered(options.staggerMs),
        sessionConfig: options.sessionConfig,
      });
      const threads = sampler.stop();
      const misses = await deadlineMisses(server.port);
      const s = summarize(phase);
      const niced = Object.entries(threads.cpuSecondsByNice).reduce((sum, [n, cpu]) => sum + (Number(n) > 0 ? cpu : 0), 0);
      const row: SaturationRow = {
        decode_nice: nice,
        sessions: s.sessions,
        turns: s.turns,
        eager_p50_ms: s.eager_p50_ms,
        eager_p95_ms: s.eager_p95_ms,
        eager_p99_ms: s.eager_p99_ms,
        partial_p50_ms: s.partial_p50_ms,
        partial_p95_ms: s.partial_p95_ms,
        final_p95_ms: s.final_p95_ms,
        missed_turns: s.missed_turns,
        false_eager_per_turn: s.false_eager_per_turn,
        wer: s.wer,
        cpu_cores: s.cpu_cores,
        steal_pct: s.steal_pct,
        cpu_s_niced: +niced.toFixed(2),
        cpu_s_nice0: threads.cpuSecondsByNice['0'] ?? 0,
        deadline_misses_vad: misses.vad ?? 0,
        deadline_misses_final: misses.final ?? 0,
        deadline_misses_partial: misses.partial ?? 0,
      };
      runs.push({ row, threads });
      console.log(
        `PARLEY_DECODE_NICE=${nice}: eager p95 ${row.eager_p95_ms} ms, partial p95 ${row.partial_p95_ms} ms, ` +
          `CPU ${row.cpu_cores} cores (${row.cpu_s_niced} s on niced threads), threads by nice ${JSON.stringify(threads.threadsByNice)}`,
      );
      if (nice > 0 && niced === 0) {
        console.warn(`  warning: no server thread ran at a nice value above 0: the server ignored PARLEY_DECODE_NICE=${nice}`);
      }
    } finally {
      await server.stop();
    }
  }
  return runs;
}
