import { REPORT_SCHEMA, REPORT_VERSION, type CallReport, type LatencyReport, type Percentiles, type QaReport, type ReportSummary } from '../qa-report.js';

/**
 * A small but complete QA report for tests: two calls, worst first (a failed one, then one
 * with two channels, a correction, an error and a word diff with every kind of step), and
 * optionally a shadow run with its differences. Every figure is distinct, so a test can find
 * each one in a rendering.
 */
export function sampleReport(options: { shadow?: boolean } = {}): QaReport {
  const report: QaReport = {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    created_at: '2026-11-30T04:00:00.000Z',
    run: { target: 'ws://127.0.0.1:8080/v1/stream', transport: 'ws', speed: 1, concurrency: 2, chunk_ms: 20 },
    complete: true,
    summary: sampleSummary(0),
    calls: [sampleFailedCall(), sampleCall()],
  };
  if (options.shadow) {
    report.shadow = {
      run: { target: 'ws://127.0.0.1:9090/v1/stream', transport: 'ws', speed: 1, concurrency: 2, chunk_ms: 20 },
      summary: sampleSummary(1),
      calls: [sampleFailedCall(), sampleCall()],
      differences: [
        {
          id: 'interview-07',
          words: [
            {
              channel: 0,
              alignment: [
                { op: 'match', ref: 'he', hyp: 'he' },
                { op: 'sub', ref: 'was', hyp: 'is' },
                { op: 'ins', hyp: 'quite' },
                { op: 'match', ref: 'not', hyp: 'not' },
              ],
              differing: 2,
            },
            { channel: 1, alignment: [{ op: 'match', ref: 'yes', hyp: 'yes' }], differing: 0 },
          ],
          wer_delta: 0.025,
          final_p50_delta_ms: -37,
          perceived_p50_delta_ms: 12,
        },
      ],
    };
  }
  return report;
}

export function percentiles(p50: number, p95: number, p99: number, p999: number, count = 20): Percentiles {
  return { count, p50, p95, p99, p999 };
}

export const NO_SAMPLES: Percentiles = { count: 0, p50: null, p95: null, p99: null, p999: null };

/** Distinct figures; `shift` moves every latency so a shadow run differs. */
export function sampleLatency(shift = 0): LatencyReport {
  return {
    perceived: percentiles(231 + shift, 402 + shift, 517 + shift, 588 + shift),
    final: percentiles(612 + shift, 845 + shift, 933 + shift, 977 + shift),
    partial: percentiles(181 + shift, 266 + shift, 311 + shift, 349 + shift, 140),
    server_perceived: percentiles(203 + shift, 377 + shift, 489 + shift, 561 + shift),
    server_final: percentiles(590 + shift, 821 + shift, 907 + shift, 951 + shift),
  };
}

function sampleSummary(shift: number): ReportSummary {
  return {
    calls: 2,
    failed_calls: 1,
    audio_hours: 0.0125,
    wall_seconds: 52.4,
    wer: { reference_words: 40, hypothesis_words: 41, substitutions: 3 + shift, deletions: 1, insertions: 2, wer: (6 + shift) / 40 },
    latency: sampleLatency(shift * 10),
    turns: 5,
    expected_turns: 6,
    turns_where_expected: 5,
    turns_matched: null,
    cut_offs: null,
    false_eager_ends_per_turn: 0.2,
    flicker: 0.125,
    corrections: 1,
    errors: { asr_timeout: 2, rate_limited: 1 },
    closes: { 'ws 1000': 1, refused: 1 },
  };
}

/** `interview-07`: two channels, three turns, a word diff with every kind of step. */
export function sampleCall(): CallReport {
  return {
    id: 'interview-07',
    audio: 'calls/interview-07.wav',
    audio_ms: 9800,
    server_clock_lead_ms: 0,
    channels: [
      {
        channel: 0,
        reference: 'he was not an ill disposed young man',
        hypothesis: 'he is not an disposed young woman today',
        wer: { reference_words: 8, hypothesis_words: 8, substitutions: 2, deletions: 1, insertions: 1, wer: 0.5 },
        alignment: [
          { op: 'match', ref: 'he', hyp: 'he' },
          { op: 'sub', ref: 'was', hyp: 'is' },
          { op: 'match', ref: 'not', hyp: 'not' },
          { op: 'match', ref: 'an', hyp: 'an' },
          { op: 'del', ref: 'ill' },
          { op: 'match', ref: 'disposed', hyp: 'disposed' },
          { op: 'match', ref: 'young', hyp: 'young' },
          { op: 'sub', ref: 'man', hyp: 'woman' },
          { op: 'ins', hyp: 'today' },
        ],
        turns: 2,
        expected_turns: 2,
        turns_matched: null,
        cut_offs: null,
        eager_ends: 3,
        resumed: 1,
        false_eager_ends_per_turn: 0.5,
        flicker: 0.25,
        corrections: 1,
      },
      {
        channel: 1,
        reference: null,
        hypothesis: 'yes',
        wer: null,
        alignment: null,
        turns: 1,
        expected_turns: null,
        turns_matched: null,
        cut_offs: null,
        eager_ends: 1,
        resumed: 0,
        false_eager_ends_per_turn: 0,
        flicker: null,
        corrections: 0,
      },
    ],
    wer: { reference_words: 8, hypothesis_words: 8, substitutions: 2, deletions: 1, insertions: 1, wer: 0.5 },
    latency: sampleLatency(),
    errors: [
      { code: 'asr_timeout', message: 'recognizer took longer than 2000 ms', fatal: false },
      { code: 'asr_timeout', message: 'recognizer took longer than 2000 ms', fatal: false },
    ],
    close: { code: 1000, ok: true, label: 'ws 1000' },
    failure: null,
    session_id: 'sess-4f2a',
    turns: [
      {
        channel: 0,
        turn_id: 1,
        speech_start_ms: 1000,
        speech_end_ms: 3990,
        eager_end_at_ms: 4221,
        end_at_ms: 4602,
        eager_latency_ms: 231,
        final_latency_ms: 612,
        server_eager_latency_ms: 203,
        server_final_latency_ms: 590,
        resumed: 1,
        corrected: true,
        partial_words: [
          { word: 'he', start_ms: 1100, end_ms: 1300, changed: false },
          { word: 'was', start_ms: 1350, end_ms: 1600, changed: true },
          { word: 'not', start_ms: 1650, end_ms: 1900, changed: false },
        ],
        final_words: [
          { word: 'he', start_ms: 1100, end_ms: 1300 },
          { word: 'is', start_ms: 1350, end_ms: 1600 },
          { word: 'not', start_ms: 1650, end_ms: 1900 },
          { word: 'an', start_ms: 1950, end_ms: 2100 },
          { word: 'disposed', start_ms: 2500, end_ms: 3000 },
        ],
      },
      {
        channel: 0,
        turn_id: 2,
        speech_start_ms: 5490,
        speech_end_ms: 8780,
        eager_end_at_ms: 9010,
        end_at_ms: 9390,
        eager_latency_ms: 230,
        final_latency_ms: 610,
        resumed: 0,
        corrected: false,
        partial_words: [{ word: 'young', start_ms: 5600, end_ms: 6000, changed: false }],
        final_words: [
          { word: 'young', start_ms: 5600, end_ms: 6000 },
          { word: 'woman', start_ms: 6100, end_ms: 6600 },
          { word: 'today', start_ms: 6700, end_ms: 7200 },
        ],
      },
      {
        channel: 1,
        turn_id: 1,
        speech_start_ms: 4300,
        speech_end_ms: 4800,
        eager_end_at_ms: 5050,
        end_at_ms: 5400,
        eager_latency_ms: 250,
        final_latency_ms: 600,
        resumed: 0,
        corrected: false,
        partial_words: [],
        final_words: [{ word: 'yes', start_ms: 4350, end_ms: 4700 }],
      },
    ],
    timeline_png: null,
  };
}

/** `support/line 3`: refused, no audio ran. */
export function sampleFailedCall(): CallReport {
  return {
    id: 'support/line 3',
    audio: 'calls/support-3.wav',
    audio_ms: 35_200,
    server_clock_lead_ms: 0,
    channels: [],
    wer: null,
    latency: { perceived: NO_SAMPLES, final: NO_SAMPLES, partial: NO_SAMPLES, server_perceived: NO_SAMPLES, server_final: NO_SAMPLES },
    errors: [{ code: 'rate_limited', message: 'too many sessions', fatal: true }],
    close: { code: 0, ok: false, label: 'refused' },
    failure: 'the server refused the session: too many sessions',
    session_id: null,
    turns: [],
    timeline_png: null,
  };
}
