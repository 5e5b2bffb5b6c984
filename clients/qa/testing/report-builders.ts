import {
  REPORT_SCHEMA,
  REPORT_VERSION,
  type CallReport,
  type ChannelReport,
  type LatencyReport,
  type Percentiles,
  type QaReport,
  type ReportSummary,
  type TimelineTurn,
  type WerCounts,
} from '../qa-report.js';

/** Report parts for tests: every field has a plain default; a test sets the ones it checks. */

export function werCounts(referenceWords: number, substitutions: number, deletions: number, insertions: number): WerCounts {
  const errors = substitutions + deletions + insertions;
  return {
    reference_words: referenceWords,
    hypothesis_words: referenceWords - deletions + insertions,
    substitutions,
    deletions,
    insertions,
    wer: referenceWords === 0 ? null : errors / referenceWords,
  };
}

export function noSamples(): Percentiles {
  return { count: 0, p50: null, p95: null, p99: null, p999: null };
}

export function samples(count: number, p50: number, p95: number, p99: number, p999: number): Percentiles {
  return { count, p50, p95, p99, p999 };
}

export function latency(fields: Partial<LatencyReport> = {}): LatencyReport {
  return { perceived: noSamples(), final: noSamples(), partial: noSamples(), server_perceived: noSamples(), server_final: noSamples(), ...fields };
}

export function timelineTurn(fields: Partial<TimelineTurn> = {}): TimelineTurn {
  return {
    channel: 0,
    turn_id: 1,
    speech_start_ms: null,
    speech_end_ms: null,
    eager_end_at_ms: null,
    end_at_ms: null,
    eager_latency_ms: null,
    final_latency_ms: null,
    server_eager_latency_ms: null,
    server_final_latency_ms: null,
    resumed: 0,
    corrected: false,
    partial_words: [],
    final_words: [],
    ...fields,
  };
}

/** `count` partial words, the first `changed` of them changed, each with `latencyMs`. */
export function partialWords(count: number, changed: number, latencyMs: number | null = null): TimelineTurn['partial_words'] {
  return Array.from({ length: count }, (_, i) => ({ word: `w${i}`, start_ms: i * 100, end_ms: i * 100 + 80, changed: i < changed, latency_ms: latencyMs }));
}

export function channelReport(fields: Partial<ChannelReport> = {}): ChannelReport {
  return {
    channel: 0,
    reference: null,
    hypothesis: '',
    wer: null,
    alignment: null,
    turns: 0,
    expected_turns: null,
    turns_matched: null,
    cut_offs: null,
    eager_ends: 0,
    resumed: 0,
    false_eager_ends_per_turn: null,
    flicker: null,
    corrections: 0,
    ...fields,
  };
}

export function callReport(fields: Partial<CallReport> = {}): CallReport {
  return {
    id: 'call',
    audio: 'call.wav',
    audio_ms: 0,
    server_clock_lead_ms: 0,
    channels: [channelReport()],
    wer: null,
    latency: latency(),
    errors: [],
    close: { code: 1000, ok: true, label: 'ws 1000' },
    failure: null,
    session_id: 'session',
    turns: [],
    timeline_png: null,
    ...fields,
  };
}

export function summary(fields: Partial<ReportSummary> = {}): ReportSummary {
  return {
    calls: 0,
    failed_calls: 0,
    audio_hours: 0,
    wall_seconds: 0,
    wer: null,
    latency: latency(),
    turns: 0,
    expected_turns: null,
    turns_where_expected: null,
    turns_matched: null,
    cut_offs: null,
    false_eager_ends_per_turn: null,
    flicker: null,
    corrections: 0,
    errors: {},
    closes: {},
    ...fields,
  };
}

export function qaReport(reportSummary: ReportSummary, calls: CallReport[] = []): QaReport {
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    created_at: '2026-11-30T04:00:00.000Z',
    run: { target: 'ws://localhost:8080/v1/listen', transport: 'ws', speed: 1, concurrency: 4, chunk_ms: 20 },
    complete: true,
    summary: reportSummary,
    calls,
  };
}
