import { availableParallelism } from 'node:os';
import type { BenchCall } from './bench-calls.js';
import { analyzeCall, emptyFigures, percentile, phaseWer, type PhaseFigures } from './call-analysis.js';
import { runCall, type CallRecording } from './call-runner.js';
import { stolenCpuSeconds } from './cpu-steal.js';
import type { ServerProcess } from './server-process.js';

export interface PhaseResult {
  sessions: number;
  figures: PhaseFigures;
  recordings: CallRecording[];
  cpuCores: number;
  wallSeconds: number;
  /** Share of the machine's CPU time the hypervisor took during the phase. */
  stealShare: number;
}

export interface PhasePlan {
  sessions: number;
  /** The i-th call's audio. */
  callFor: (i: number) => BenchCall;
  /** x real time; 0: as fast as the server reads. */
  speed: number;
  /** When the i-th call starts, ms after the phase starts. */
  startOffsetMs: (i: number) => number;
  sessionConfig: Record<string, number>;
  /** Default the WebSocket. */
  transport?: 'websocket' | 'webrtc';
}

/** Runs the calls of a phase against `server` and measures each against its ground truth. */
export async function runPhase(server: ServerProcess, plan: PhasePlan): Promise<PhaseResult> {
  const cores = availableParallelism();
  const cpu0 = server.cpuSeconds();
  const stolen0 = stolenCpuSeconds();
  const t0 = performance.now();
  const recordings = await Promise.all(
    Array.from({ length: plan.sessions }, async (_, i) => {
      const wait = t0 + plan.startOffsetMs(i) - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const target = plan.transport === 'webrtc' ? { webrtc: `http://127.0.0.1:${server.port}` } : { url: server.url };
      return runCall(target, plan.callFor(i), plan.speed, plan.sessionConfig);
    }),
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  const figures = emptyFigures();
  recordings.forEach((r) => analyzeCall(r, figures));
  return {
    sessions: plan.sessions,
    figures,
    recordings,
    cpuCores: (server.cpuSeconds() - cpu0) / wallSeconds,
    wallSeconds,
    stealShare: (stolenCpuSeconds() - stolen0) / (wallSeconds * cores),
  };
}

/** N calls at real time, started `staggerMs` apart so their turns do not line up. */
export function staggered(staggerMs: number): (i: number) => number {
  return (i) => i * staggerMs;
}

/** A phase's figures as one table row (latencies in ms). */
export function summarize(phase: PhaseResult) {
  const f = phase.figures;
  const round = (x: number) => Math.round(x);
  return {
    sessions: phase.sessions,
    admitted: f.calls - f.refused,
    refused: f.refused,
    turns: f.truthTurns,
    eager_p50_ms: round(percentile(f.eager, 50)),
    eager_p95_ms: round(percentile(f.eager, 95)),
    eager_p99_ms: round(percentile(f.eager, 99)),
    final_p50_ms: round(percentile(f.final, 50)),
    final_p95_ms: round(percentile(f.final, 95)),
    partial_p50_ms: round(percentile(f.partial, 50)),
    partial_p95_ms: round(percentile(f.partial, 95)),
    missed_turns: f.missedTurns,
    false_eager_per_turn: +(f.resumed / Math.max(1, f.truthTurns)).toFixed(2),
    flicker: +(f.flickeredWords / Math.max(1, f.partialWords)).toFixed(3),
    stable_violations: f.stableViolations,
    wer: +phaseWer(f).toFixed(3),
    cpu_cores: +phase.cpuCores.toFixed(2),
    steal_pct: Math.round(phase.stealShare * 100),
  };
}

export type PhaseRow = ReturnType<typeof summarize>;

export function printTable(title: string, rows: Array<Record<string, number | string>>): void {
  console.log(`\n${title}`);
  const keys = Object.keys(rows[0] ?? {});
  console.log(keys.join('\t'));
  for (const row of rows) console.log(keys.map((k) => row[k]).join('\t'));
}
