import type { CallReport, ReportSummary } from './qa-report.js';
import { flicker, latencyReport, latencySamples } from './turn-figures.js';
import { sumCounts } from './word-alignment.js';

const MS_PER_HOUR = 3_600_000;

/** A call that could not run, or did not end normally (close code, gRPC status, `session.ended`). */
export function isFailedCall(call: CallReport): boolean {
  return call.failure !== null || !call.close.ok;
}

/**
 * The figures over all calls. Every ratio is a micro average: WER from the summed word counts,
 * false eager ends from summed resumes and turns, flicker from summed word positions; latency
 * percentiles over every sample of every call, not an average of the calls' percentiles.
 * Audio hours count the calls that ran (not those with a `failure`). Expected turns add up
 * the channels the manifest gives them for, and are compared with the turns found on those
 * channels only; null when it gives none.
 */
export function summarize(calls: readonly CallReport[], wallSeconds: number): ReportSummary {
  const channels = calls.flatMap((call) => call.channels);
  const allTurns = calls.flatMap((call) => call.turns);
  const turns = sum(channels.map((c) => c.turns));
  const expectedChannels = channels.filter((c) => c.expected_turns !== null);
  const counts = calls.flatMap((call) => (call.wer ? [call.wer] : []));
  const errors: Record<string, number> = {};
  const closes: Record<string, number> = {};
  for (const call of calls) {
    for (const error of call.errors) errors[error.code] = (errors[error.code] ?? 0) + 1;
    closes[call.close.label] = (closes[call.close.label] ?? 0) + 1;
  }
  return {
    calls: calls.length,
    failed_calls: calls.filter(isFailedCall).length,
    audio_hours: sum(calls.filter((call) => call.failure === null).map((call) => call.audio_ms)) / MS_PER_HOUR,
    wall_seconds: wallSeconds,
    wer: counts.length > 0 ? sumCounts(counts) : null,
    latency: latencyReport(latencySamples(allTurns)),
    turns,
    expected_turns: expectedChannels.length > 0 ? sum(expectedChannels.map((c) => c.expected_turns!)) : null,
    turns_where_expected: expectedChannels.length > 0 ? sum(expectedChannels.map((c) => c.turns)) : null,
    turns_matched: sumWhereGiven(channels.map((c) => c.turns_matched)),
    cut_offs: sumWhereGiven(channels.map((c) => c.cut_offs)),
    false_eager_ends_per_turn: turns === 0 ? null : sum(channels.map((c) => c.resumed)) / turns,
    flicker: flicker(allTurns),
    corrections: sum(channels.map((c) => c.corrections)),
    errors,
    closes,
  };
}

/**
 * Calls worst first, for the report to list: failed calls first, then by WER, highest first,
 * then by final latency p95, highest first; a call without a figure comes after those with
 * one, and ties keep the order they came in.
 */
export function worstFirst(calls: readonly CallReport[]): CallReport[] {
  return [...calls].sort(
    (a, b) =>
      Number(isFailedCall(b)) - Number(isFailedCall(a)) ||
      descending(a.wer?.wer ?? null, b.wer?.wer ?? null) ||
      descending(a.latency.final.p95, b.latency.final.p95),
  );
}

/** Higher first, null last. */
function descending(a: number | null, b: number | null): number {
  if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0);
  return b - a;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The sum of the values given; null when none is. */
function sumWhereGiven(values: readonly (number | null)[]): number | null {
  const given = values.filter((v): v is number => v !== null);
  return given.length > 0 ? sum(given) : null;
}
