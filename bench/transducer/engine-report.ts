import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../proto/project-root.js';
import { printTable } from '../turn-latency/phase-runner.js';
import type { CapacityResult } from './capacity-search.js';
import type { LoadRow } from './load-run.js';

/** The contender the ratios compare the others against: what the scheduler will run. */
const REFERENCE = 'parley batched';

export interface CapacitySummary {
  contender: string;
  /** Largest K that kept up, and the smallest that did not ('-': none up to --streams-max). */
  streams_per_core: number;
  failed_at: number | string;
  cpu_ms_per_stream_s_at_1: number;
  cpu_ms_per_stream_s_at_capacity: number;
  call_p50_ms_at_capacity: number;
  call_p95_ms_at_capacity: number;
  step_p95_ms_at_capacity: number;
  front_end_pct_at_capacity: number;
}

export interface EngineRatios {
  /** REFERENCE's streams per core over each other contender's. */
  capacity: Record<string, number>;
  /**
   * Each contender's compute per stream-second over REFERENCE's, at every K both ran (the
   * doubling runs them seconds apart): one K alone is noisy on a shared machine.
   */
  cost_by_k: Record<string, Record<number, number>>;
}

function rowAt(result: CapacityResult, k: number): LoadRow | undefined {
  return result.rows.find((r) => r.streams === k);
}

export function summarize(results: CapacityResult[]): { summary: CapacitySummary[]; ratios: EngineRatios } {
  const summary = results.map((r): CapacitySummary => {
    const at = rowAt(r, r.capacity);
    return {
      contender: r.contender,
      streams_per_core: r.capacity,
      failed_at: r.failedAt ?? '-',
      cpu_ms_per_stream_s_at_1: rowAt(r, 1)?.cpu_ms_per_stream_s ?? NaN,
      cpu_ms_per_stream_s_at_capacity: at?.cpu_ms_per_stream_s ?? NaN,
      call_p50_ms_at_capacity: at?.call_p50_ms ?? NaN,
      call_p95_ms_at_capacity: at?.call_p95_ms ?? NaN,
      step_p95_ms_at_capacity: at?.step_p95_ms ?? NaN,
      front_end_pct_at_capacity: at?.front_end_pct ?? NaN,
    };
  });
  const reference = results.find((r) => r.contender === REFERENCE)!;
  const ratios: EngineRatios = { capacity: {}, cost_by_k: {} };
  for (const other of results.filter((r) => r !== reference)) {
    ratios.capacity[other.contender] = other.capacity > 0 ? round(reference.capacity / other.capacity) : NaN;
    const byK: Record<number, number> = {};
    for (const mine of reference.rows) {
      const theirs = rowAt(other, mine.streams);
      if (theirs) byK[mine.streams] = round(theirs.cpu_ms_per_stream_s / mine.cpu_ms_per_stream_s);
    }
    ratios.cost_by_k[other.contender] = byK;
  }
  return { summary, ratios };
}

/** Every load tried, then the capacities and the ratios. */
export function printReport(results: CapacityResult[], summary: CapacitySummary[], ratios: EngineRatios): void {
  const rows = results.flatMap((r) => r.rows);
  printTable('Every load tried (rtf: CPU seconds of the process per second of audio of all K streams; < 1 keeps up on one core)', rows.map((r) => ({ ...r, keeps_up: r.keeps_up ? 'yes' : 'NO' })));
  printTable('Real-time streams per core (capacity: largest K that kept up; latencies at that K, ms)', summary.map((s) => ({ ...s })));
  console.log(`\nRatios in this run, ${REFERENCE} against each:`);
  for (const [name, ratio] of Object.entries(ratios.capacity)) {
    const costs = Object.entries(ratios.cost_by_k[name] ?? {}).map(([k, cost]) => `${cost} at K=${k}`);
    console.log(`  ${name}: ${ratio} x the streams per core; its CPU per stream-second over ${REFERENCE}'s: ${costs.join(', ')}`);
  }
}

/** Writes `results` to bench/results/`file` (gitignored) and says where. */
export function writeReport(file: string, results: unknown): void {
  const dir = join(projectRoot(), 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/results/${file}`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
