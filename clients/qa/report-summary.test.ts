import { describe, expect, it } from 'vitest';
import type { CallReport } from './qa-report.js';
import { isFailedCall, summarize, worstFirst } from './report-summary.js';
import { callReport, channelReport, latency, noSamples, partialWords, samples, timelineTurn, werCounts } from './testing/report-builders.js';

const HALF_HOUR_MS = 1_800_000;

describe('summarize', () => {
  const calls: CallReport[] = [
    callReport({
      id: 'a',
      audio_ms: HALF_HOUR_MS,
      channels: [channelReport({ turns: 2, expected_turns: 2, resumed: 1, corrections: 1 })],
      wer: werCounts(10, 3, 1, 1),
      turns: [
        timelineTurn({ eager_latency_ms: 80, final_latency_ms: 100, server_eager_latency_ms: 60, server_final_latency_ms: 90, partial_words: partialWords(4, 1, 50) }),
        timelineTurn({ turn_id: 2, final_latency_ms: 300 }),
      ],
      errors: [{ code: 'bad_message', message: 'unknown message type', fatal: false }],
    }),
    callReport({
      id: 'b',
      audio_ms: 3 * HALF_HOUR_MS,
      channels: [channelReport({ turns: 8, corrections: 2 })],
      wer: werCounts(90, 5, 0, 0),
      turns: [timelineTurn({ eager_latency_ms: 120, final_latency_ms: 200, partial_words: partialWords(1, 1, 70) })],
      errors: [
        { code: 'bad_message', message: 'unknown message type', fatal: false },
        { code: 'slow_consumer', message: 'partials shed', fatal: false },
      ],
    }),
    callReport({
      id: 'refused',
      audio_ms: 2 * HALF_HOUR_MS,
      channels: [channelReport({ expected_turns: 3 })],
      failure: 'capacity_exceeded',
      close: { code: 1013, ok: false, label: 'ws 1013' },
      errors: [{ code: 'capacity_exceeded', message: 'at capacity', fatal: true }],
    }),
    callReport({ id: 'dropped', audio_ms: HALF_HOUR_MS, close: { code: 1006, ok: false, label: 'ws 1006' } }),
  ];

  it('adds up the calls, micro-averaging every ratio', () => {
    expect(summarize(calls, 42)).toEqual({
      calls: 4,
      failed_calls: 2,
      // The refused call never ran: 0.5 + 1.5 + 0.5 hours.
      audio_hours: 2.5,
      wall_seconds: 42,
      // 10 errors over 100 reference words (the calls' own WERs are 50% and 5.6%).
      wer: { reference_words: 100, hypothesis_words: 100, substitutions: 8, deletions: 1, insertions: 1, wer: 0.1 },
      latency: latency({
        perceived: samples(2, 80, 120, 120, 120),
        // 100, 300 and 200 pooled: the median is 200 (call a's own median would be 100).
        final: samples(3, 200, 300, 300, 300),
        partial: samples(5, 50, 70, 70, 70),
        server_perceived: samples(1, 60, 60, 60, 60),
        server_final: samples(1, 90, 90, 90, 90),
      }),
      turns: 10,
      expected_turns: 5,
      // Found on the channels that expect turns only: 2 (the failed call found none).
      turns_where_expected: 2,
      turns_matched: null,
      cut_offs: null,
      false_eager_ends_per_turn: 0.1,
      // 2 changed of 5 shown (the calls' own: 1 of 4 and 1 of 1).
      flicker: 0.4,
      corrections: 3,
      errors: { bad_message: 2, slow_consumer: 1, capacity_exceeded: 1 },
      closes: { 'ws 1000': 2, 'ws 1013': 1, 'ws 1006': 1 },
    });
  });

  it('reads samples from reports written without the server and partial latencies', () => {
    const old = timelineTurn({ final_latency_ms: 100, partial_words: [{ word: 'hi', start_ms: 0, end_ms: 100, changed: false }] });
    delete old.server_eager_latency_ms;
    delete old.server_final_latency_ms;
    const { latency: figures, flicker } = summarize([callReport({ turns: [old] })], 1);
    expect([figures.final.count, figures.partial.count, figures.server_final.count, flicker]).toEqual([1, 0, 0, 0]);
  });

  it('has no figures without calls', () => {
    expect(summarize([], 0)).toMatchObject({
      calls: 0,
      failed_calls: 0,
      audio_hours: 0,
      wer: null,
      turns: 0,
      expected_turns: null,
      false_eager_ends_per_turn: null,
      flicker: null,
      errors: {},
      closes: {},
    });
    expect(summarize([], 0).latency.final.p50).toBeNull();
  });
});

describe('worstFirst', () => {
  const call = (id: string, wer: number | null, finalP95: number | null, fields: Partial<CallReport> = {}): CallReport =>
    callReport({
      id,
      wer: wer === null ? null : werCounts(100, Math.round(wer * 100), 0, 0),
      latency: latency({ final: finalP95 === null ? noSamples() : samples(10, 0, finalP95, finalP95, finalP95) }),
      ...fields,
    });

  it('puts failed calls first, then the highest WER, then the highest final p95; missing figures last', () => {
    const calls = [
      call('ok-10-500', 0.1, 500),
      call('ok-30-100', 0.3, 100),
      call('ok-none-900', null, 900),
      call('refused', null, null, { failure: 'unreachable', close: { code: 0, ok: false, label: 'ws unreachable' } }),
      call('ok-10-700', 0.1, 700),
      call('dropped-5', 0.05, 100, { close: { code: 1006, ok: false, label: 'ws 1006' } }),
      call('ok-10-none', 0.1, null),
    ];
    expect(worstFirst(calls).map((c) => c.id)).toEqual(['dropped-5', 'refused', 'ok-30-100', 'ok-10-700', 'ok-10-500', 'ok-10-none', 'ok-none-900']);
    expect(calls[0]!.id).toBe('ok-10-500');
  });

  it('keeps the given order of calls that tie', () => {
    expect(worstFirst([call('x', 0.2, 300), call('y', 0.2, 300)]).map((c) => c.id)).toEqual(['x', 'y']);
  });
});

describe('isFailedCall', () => {
  it('is a call that could not run or did not end normally', () => {
    expect(isFailedCall(callReport())).toBe(false);
    expect(isFailedCall(callReport({ close: { code: 1011, ok: false, label: 'ws 1011' } }))).toBe(true);
    expect(isFailedCall(callReport({ failure: 'unreachable' }))).toBe(true);
  });
});
