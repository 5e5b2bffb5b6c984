import type { TurnEndEvent } from '../../proto/messages.js';
import { normalizeWords } from '../wer.js';
import { audioSentBy } from './audio-clock.js';
import { sentAtOf, serverClockLeadMs, type CallRecording } from './call-recording.js';
import type { CallError, CallReport, ChannelReport, TimelineTurn } from './qa-report.js';
import { flicker, latencyReport, latencySamples } from './turn-figures.js';
import { matchTurnEnds, type TurnSpan } from './turn-boundaries.js';
import { traceTurns, type Received, type TurnTrace } from './turn-trace.js';
import { alignWords, sumCounts } from './word-alignment.js';

/** One replayed call: what the manifest says of it and what the client recorded. */
export interface CallInput {
  id: string;
  /** The audio file, as given. */
  audio: string;
  audioMs: number;
  channels: number;
  /** The reference transcript of each channel, or null where there is none. */
  references: readonly (string | null)[];
  /** The turns each channel should have, or null where the manifest gives none. */
  expectedTurns: readonly (number | null)[];
  /** Where each channel's true turns are, or null where the manifest gives none. */
  turnBoundaries?: readonly (readonly TurnSpan[] | null)[];
  recording: CallRecording;
}

/**
 * Scores one call from what the client recorded. Definitions:
 *
 * - Hypothesis of a channel: its `turn.end` texts in turn order, each replaced by the last
 *   `transcript.corrected` of its turn. WER per channel against the reference (word-alignment.ts
 *   says how both are normalized); the call's WER adds up the counts of the channels that have
 *   a reference. A call that could not run (`failure`) has no WER: it has no hypothesis to
 *   score and is counted among the failed calls instead.
 * - Latencies are client wall time of receipt minus when the client sent the audio at the
 *   event's `speech_end_ms` (`sentAtOf`). Perceived: the eager end that stood (a turn's last
 *   `turn.eager_end` not followed by `turn.resumed`); a turn ended without one (`finalize`) has
 *   none. Final: `turn.end`. Partial: per word position of a turn, its first appearance in a
 *   `transcript.partial` minus when the audio at that word's `end_ms` was sent; words that no
 *   partial showed have none. Beside them the server's `latency_ms` of the same eager end and end.
 * - Client latencies can be negative, and are kept as they are: `speech_end_ms` is on the
 *   server's audio clock and `sentAtOf` on the client's, and the two can disagree a little. For
 *   WebRTC, `serverClockStartedAt` is the client's view of when the server's clock started (the
 *   data channel's opening), while the server counts the samples its audio sink delivered
 *   (after jitter buffering and loss concealment); on any transport a send time taken late (a send that waited on backpressure)
 *   moves the client's clock. A negative figure shows that disagreement; clamping it to 0 would
 *   hide it and pull the percentiles down.
 * - Turn boundaries are in the call's audio time; they are matched against the server's
 *   `speech_end_ms` after moving by `serverClockLeadMs` (over WebRTC the server's clock runs
 *   ahead of the call's audio), so the 300 ms tolerance is not spent on the transport.
 * - Turns are `turn.end` events. False eager ends per turn: `turn.resumed` events / turns.
 * - Flicker: of the word positions partials showed in a turn, the share whose word was later
 *   changed: a later partial showed another word there, or `turn.end` did, or `turn.end` has no
 *   word there. A `transcript.corrected` counts as a correction, not as flicker.
 */
export function scoreCall(input: CallInput): CallReport {
  const { recording } = input;
  const traces = traceTurns(recording.events);
  const turns = traces.map((trace) => timelineTurn(trace, recording));
  const ran = recording.failure === undefined;
  const leadMs = serverClockLeadMs(recording);
  const channels = Array.from({ length: input.channels }, (_, channel) =>
    channelReport(
      channel,
      traces.filter((t) => t.channel === channel),
      turns.filter((t) => t.channel === channel),
      input.references[channel] ?? null,
      input.expectedTurns[channel] ?? null,
      input.turnBoundaries?.[channel]?.map((span) => ({ start_ms: span.start_ms + leadMs, end_ms: span.end_ms + leadMs })) ?? null,
      ran,
    ),
  );
  const counts = channels.flatMap((c) => (c.wer ? [c.wer] : []));
  const errors: CallError[] = [];
  let sessionId: string | null = null;
  for (const { event } of recording.events) {
    if (event.type === 'error') errors.push({ code: event.code, message: event.message, fatal: event.fatal });
    else if (event.type === 'session.started') sessionId = event.session_id;
  }
  return {
    id: input.id,
    audio: input.audio,
    audio_ms: input.audioMs,
    server_clock_lead_ms: Math.round(leadMs),
    channels,
    wer: counts.length > 0 ? sumCounts(counts) : null,
    latency: latencyReport(latencySamples(turns)),
    errors,
    close: recording.close,
    failure: recording.failure ?? null,
    session_id: sessionId,
    turns,
    timeline_png: null,
  };
}

function channelReport(
  channel: number,
  traces: readonly TurnTrace[],
  turns: readonly TimelineTurn[],
  reference: string | null,
  expectedTurns: number | null,
  boundaries: readonly TurnSpan[] | null,
  ran: boolean,
): ChannelReport {
  const ended = traces.filter((t): t is EndedTurn => t.end !== null);
  const hypothesis = ended.flatMap((t) => normalizeWords(t.correctedText ?? t.end.event.text)).join(' ');
  const aligned = reference !== null && ran ? alignWords(reference, hypothesis) : null;
  const resumed = sum(traces, (t) => t.resumed);
  const match = boundaries && ran ? matchTurnEnds(boundaries, ended.map((t) => t.end.event.speech_end_ms)) : null;
  return {
    channel,
    reference: reference === null ? null : normalizeWords(reference).join(' '),
    hypothesis,
    wer: aligned?.counts ?? null,
    alignment: aligned?.alignment ?? null,
    turns: ended.length,
    expected_turns: expectedTurns,
    turns_matched: match?.matched ?? null,
    cut_offs: match?.cutOffs ?? null,
    eager_ends: sum(traces, (t) => t.eagerEnds),
    resumed,
    false_eager_ends_per_turn: ended.length === 0 ? null : resumed / ended.length,
    flicker: flicker(turns),
    corrections: sum(traces, (t) => t.corrections),
  };
}

type EndedTurn = TurnTrace & { end: Received<TurnEndEvent> };

function timelineTurn(trace: TurnTrace, recording: CallRecording): TimelineTurn {
  const { stoodEager: eager, end } = trace;
  const latency = (received: Received<{ speech_end_ms: number }> | null): number | null =>
    received ? sinceSent(recording, received.at, received.event.speech_end_ms) : null;
  const receivedAt = (received: Received<unknown> | null): number | null => (received ? audioSentBy(recording, received.at) : null);
  return {
    channel: trace.channel,
    turn_id: trace.turnId,
    speech_start_ms: trace.speechStartMs,
    speech_end_ms: (end ?? eager)?.event.speech_end_ms ?? null,
    eager_end_at_ms: receivedAt(eager),
    end_at_ms: receivedAt(end),
    eager_latency_ms: latency(eager),
    final_latency_ms: latency(end),
    server_eager_latency_ms: eager?.event.latency_ms ?? null,
    server_final_latency_ms: end?.event.latency_ms ?? null,
    resumed: trace.resumed,
    corrected: trace.corrections > 0,
    partial_words: [...trace.shown.values()].map(({ first, firstAt, changed }) => ({
      word: first.word,
      start_ms: first.start_ms,
      end_ms: first.end_ms,
      changed,
      latency_ms: sinceSent(recording, firstAt, first.end_ms),
    })),
    final_words: end ? end.event.words.map(({ word, start_ms, end_ms }) => ({ word, start_ms, end_ms })) : [],
  };
}

/** Wall time `at` minus when the audio at `audioMs` was sent; null when no audio was sent. */
function sinceSent(recording: CallRecording, at: number, audioMs: number): number | null {
  const sentAt = sentAtOf(recording, audioMs);
  return sentAt === undefined ? null : at - sentAt;
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
