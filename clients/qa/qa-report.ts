/**
 * The QA replay report (`report.json`): the schema is versioned; a reader checks `schema` and
 * `version`. Times are milliseconds; latencies are measured on the client (design.md section
 * 4, with the server's `speech_end_ms` as the end of speech), the server's own `latency_ms`
 * beside them.
 */
export const REPORT_SCHEMA = 'parley.qa-report';
export const REPORT_VERSION = 1;

/** Percentiles of a set of latencies, ms; null where there are no samples. */
export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
}

/** One step of the word alignment of reference against hypothesis. */
export type AlignedWord =
  | { op: 'match'; ref: string; hyp: string }
  | { op: 'sub'; ref: string; hyp: string }
  | { op: 'del'; ref: string }
  | { op: 'ins'; hyp: string };

/** Word error counts; `wer` = (S + D + I) / N, null when the reference has no words. */
export interface WerCounts {
  reference_words: number;
  hypothesis_words: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  wer: number | null;
}

export interface LatencyReport {
  /** `turn.eager_end` receipt minus when the audio at its `speech_end_ms` was sent (the eager end that stood). */
  perceived: Percentiles;
  /** The same for `turn.end`. */
  final: Percentiles;
  /** Per word: its first appearance in a partial minus when the audio at its `end_ms` was sent. */
  partial: Percentiles;
  /** The server's own `latency_ms`, beside the client's figures. */
  server_perceived: Percentiles;
  server_final: Percentiles;
}

export interface ChannelReport {
  channel: number;
  /** Normalized reference words joined, or null without a reference. */
  reference: string | null;
  /** The channel's final texts (after corrections), in turn order, normalized and joined. */
  hypothesis: string;
  wer: WerCounts | null;
  /** Reference against hypothesis, word by word; null without a reference. */
  alignment: AlignedWord[] | null;
  turns: number;
  /** Turns the manifest says the channel has; null when it gives none. */
  expected_turns: number | null;
  /**
   * With the manifest's `turn_boundaries`: true turn ends a `turn.end` found (within 300 ms),
   * and `turn.end`s inside a true turn (cut-offs); null without boundaries.
   */
  turns_matched: number | null;
  cut_offs: number | null;
  eager_ends: number;
  resumed: number;
  /** `turn.resumed` per turn. */
  false_eager_ends_per_turn: number | null;
  /** Share of words shown in partials that a later partial or the final changed; null without partials. */
  flicker: number | null;
  corrections: number;
}

/** A turn as the timeline draws it: audio times. */
export interface TimelineTurn {
  channel: number;
  turn_id: number;
  speech_start_ms: number | null;
  speech_end_ms: number | null;
  /** Audio time at which the client received the eager end / end (receipt mapped back to the audio clock). */
  eager_end_at_ms: number | null;
  end_at_ms: number | null;
  eager_latency_ms: number | null;
  final_latency_ms: number | null;
  /** The server's `latency_ms` on the same eager end and end (absent in reports written before it was added). */
  server_eager_latency_ms?: number | null;
  server_final_latency_ms?: number | null;
  resumed: number;
  corrected: boolean;
  /**
   * Partial words (faded) and final words (solid), audio times. A partial word is the first
   * word shown at its position in the turn; `latency_ms` is its partial latency (absent in
   * reports written before it was added).
   */
  partial_words: Array<{ word: string; start_ms: number; end_ms: number; changed: boolean; latency_ms?: number | null }>;
  final_words: Array<{ word: string; start_ms: number; end_ms: number }>;
}

export interface CallError {
  code: string;
  message: string;
  fatal: boolean;
}

export interface CallReport {
  id: string;
  /** The audio file, as given. */
  audio: string;
  audio_ms: number;
  /**
   * How far the server's audio clock ran ahead of the call's audio (`serverClockLeadMs`): 0 but
   * over WebRTC. Every `*_ms` audio time here is the server's; the call's audio at `t` is at
   * `t` plus this on them (the timeline draws the waveform there).
   */
  server_clock_lead_ms: number;
  channels: ChannelReport[];
  /** Over all channels. */
  wer: WerCounts | null;
  latency: LatencyReport;
  errors: CallError[];
  close: { code: number; ok: boolean; label: string };
  /** Why the call could not run, if it could not. */
  failure: string | null;
  session_id: string | null;
  turns: TimelineTurn[];
  /** The timeline picture, relative to the report folder. */
  timeline_png: string | null;
}

export interface ReportSummary {
  calls: number;
  /** Calls that failed to run or did not end normally. */
  failed_calls: number;
  audio_hours: number;
  wall_seconds: number;
  /** Summed over every call with a reference (micro average). */
  wer: WerCounts | null;
  latency: LatencyReport;
  turns: number;
  /** Turns the manifest expects, summed over the channels it gives them for; null when none. */
  expected_turns: number | null;
  /** Turns found on those same channels, to compare with `expected_turns`; null when none. */
  turns_where_expected: number | null;
  /** Over the channels with turn boundaries: true ends found, and cut-offs; null when none has boundaries. */
  turns_matched: number | null;
  cut_offs: number | null;
  false_eager_ends_per_turn: number | null;
  flicker: number | null;
  corrections: number;
  /** Error events by code. */
  errors: Record<string, number>;
  /** Calls by how they ended (`ws 1000`, `grpc OK`, ...). */
  closes: Record<string, number>;
}

export interface ReportRun {
  /** The server: its WebSocket URL, gRPC address or WebRTC base URL. */
  target: string;
  transport: 'ws' | 'grpc' | 'webrtc';
  /** 1 real time; 0 as fast as the server reads (`--speed max`). */
  speed: number;
  concurrency: number;
  chunk_ms: number;
}

export interface QaReport {
  schema: typeof REPORT_SCHEMA;
  version: typeof REPORT_VERSION;
  created_at: string;
  run: ReportRun;
  /** False when the run was interrupted (Ctrl-C): the calls not finished are missing. */
  complete: boolean;
  summary: ReportSummary;
  /** Worst first (failures, then highest WER, then final latency p95). */
  calls: CallReport[];
  /** `--shadow`: the same calls against a second server, and what differs. */
  shadow?: {
    run: ReportRun;
    summary: ReportSummary;
    calls: CallReport[];
    differences: CallDifference[];
  };
}

/** One call, primary against shadow. */
export interface CallDifference {
  id: string;
  /** Words of the channels' hypotheses that differ (primary's and shadow's alignment, as ops). */
  words: Array<{ channel: number; alignment: AlignedWord[]; differing: number }>;
  wer_delta: number | null;
  final_p50_delta_ms: number | null;
  perceived_p50_delta_ms: number | null;
}
