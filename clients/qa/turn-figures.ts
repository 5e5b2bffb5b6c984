import { percentiles } from './percentiles.js';
import type { LatencyReport, TimelineTurn } from './qa-report.js';

/**
 * Figures computed from timeline turns, by a call's report and by the summary over calls
 * alike: both count the same way, and report.json needs no arrays of raw samples beside the
 * turns, which carry every sample already.
 */

/** Every latency sample of some turns, ms, by kind (as `LatencyReport` names them). */
export type LatencySamples = { [K in keyof LatencyReport]: number[] };

export function latencySamples(turns: readonly TimelineTurn[]): LatencySamples {
  const samples: LatencySamples = { perceived: [], final: [], partial: [], server_perceived: [], server_final: [] };
  const add = (kind: keyof LatencySamples, value: number | null | undefined): void => {
    if (value !== null && value !== undefined) samples[kind].push(value);
  };
  for (const turn of turns) {
    add('perceived', turn.eager_latency_ms);
    add('final', turn.final_latency_ms);
    add('server_perceived', turn.server_eager_latency_ms);
    add('server_final', turn.server_final_latency_ms);
    for (const word of turn.partial_words) add('partial', word.latency_ms);
  }
  return samples;
}

export function latencyReport(samples: LatencySamples): LatencyReport {
  return {
    perceived: percentiles(samples.perceived),
    final: percentiles(samples.final),
    partial: percentiles(samples.partial),
    server_perceived: percentiles(samples.server_perceived),
    server_final: percentiles(samples.server_final),
  };
}

/** Share of the word positions partials showed whose word later changed; null when partials showed none. */
export function flicker(turns: readonly TimelineTurn[]): number | null {
  let shown = 0;
  let changed = 0;
  for (const turn of turns) {
    shown += turn.partial_words.length;
    changed += turn.partial_words.filter((word) => word.changed).length;
  }
  return shown === 0 ? null : changed / shown;
}
