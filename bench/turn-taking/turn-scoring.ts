import type { ServerEvent } from '../../proto/messages.js';
import { percentile } from '../turn-latency/call-analysis.js';
import type { TimedEvent } from '../turn-latency/call-runner.js';
import { END_TOLERANCE_MS, placeSpeechEnd, turnTimeMs, type ChannelTruth, type TrueTurn } from './turn-truth.js';

type Of<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

/** `turn.end` reasons that are not the detector's decision: the client or the server ended the turn. */
const FORCED_REASONS: ReadonlySet<string> = new Set(['stop', 'finalize', 'server_shutdown']);

/** One streamed call: what the server said, when the client sent each chunk, and the truth per channel. */
export interface ScoredCall {
  truth: ChannelTruth[];
  events: TimedEvent[];
  /** sentAt[k]: wall time (performance.now()) the client sent audio ms [k * chunkMs, (k + 1) * chunkMs). */
  sentAt: number[];
  chunkMs: number;
}

/** Counts and samples of one or more calls; add them up with `addTallies`, read them with `summarizeTally`. */
export interface TurnTally {
  trueTurns: number;
  /** True ends to find (`TrueTurn.scored`). */
  trueEnds: number;
  /** Detector `turn.end` at a true end to find, decided before speech came back on its channel. */
  endsFound: number;
  /** Detector `turn.end` whose `speech_end_ms` is inside a true turn, not at its end. */
  cutOffs: number;
  /** At a true end, but decided after speech had come back on the channel. */
  lateEnds: number;
  /**
   * True ends to find in turns where the server heard no speech at all (none of its turns
   * overlaps the true one): no end-of-turn detector can find those, only a VAD that hears them.
   */
  unheardEnds: number;
  /** At an end not to find, a second end at the same true end, or outside every true turn (noise, backchannels). */
  otherEnds: number;
  /** `turn.end` the client or the server forced (`stop`, `finalize`, `server_shutdown`). */
  forcedEnds: number;
  eagerEnds: number;
  /** Eager ends followed by `turn.resumed`, or whose `speech_end_ms` is inside a true turn. */
  falseEagerEnds: number;
  /** Time inside true turns, per channel. */
  turnMs: number;
  endReasons: Record<string, number>;
  /** Client-measured: arrival minus when the client sent the audio at the true end (design.md section 4). */
  eagerLatencyMs: number[];
  finalLatencyMs: number[];
  /** The server's own `latency_ms` of the same events. */
  serverEagerLatencyMs: number[];
  serverFinalLatencyMs: number[];
  /** At ends found: the server's `speech_end_ms` minus the true end (its VAD against the energy truth). */
  speechEndOffsetMs: number[];
}

export function emptyTally(): TurnTally {
  return {
    trueTurns: 0, trueEnds: 0, endsFound: 0, cutOffs: 0, lateEnds: 0, unheardEnds: 0, otherEnds: 0, forcedEnds: 0, eagerEnds: 0,
    falseEagerEnds: 0, turnMs: 0, endReasons: {}, eagerLatencyMs: [], finalLatencyMs: [], serverEagerLatencyMs: [],
    serverFinalLatencyMs: [], speechEndOffsetMs: [],
  };
}

const COUNTS = ['trueTurns', 'trueEnds', 'endsFound', 'cutOffs', 'lateEnds', 'unheardEnds', 'otherEnds', 'forcedEnds', 'eagerEnds', 'falseEagerEnds', 'turnMs'] as const;

export function addTallies(tallies: TurnTally[]): TurnTally {
  const sum = emptyTally();
  for (const t of tallies) {
    for (const key of COUNTS) sum[key] += t[key];
    for (const [reason, n] of Object.entries(t.endReasons)) sum.endReasons[reason] = (sum.endReasons[reason] ?? 0) + n;
    for (const key of ['eagerLatencyMs', 'finalLatencyMs', 'serverEagerLatencyMs', 'serverFinalLatencyMs', 'speechEndOffsetMs'] as const) {
      sum[key].push(...t[key]);
    }
  }
  return sum;
}

/** When the client sent the audio at `audioMs`: the send time of the chunk holding it (call-runner.ts's `sentTimeOf`). */
export function sentTimeAt(call: ScoredCall, audioMs: number): number {
  const k = Math.min(call.sentAt.length - 1, Math.max(0, Math.floor(audioMs / call.chunkMs)));
  return call.sentAt[k]!;
}

/** How much audio the client had sent by `wallMs`: the latest audio the server can have decided on. */
export function audioSentBy(call: ScoredCall, wallMs: number): number {
  let lo = 0;
  let hi = call.sentAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (call.sentAt[mid]! <= wallMs) lo = mid + 1;
    else hi = mid;
  }
  return lo * call.chunkMs;
}

/** Scores one call's turn events against its truth, channel by channel. */
export function tallyCall(call: ScoredCall, toleranceMs = END_TOLERANCE_MS): TurnTally {
  const tally = emptyTally();
  for (const truth of call.truth) {
    tally.trueTurns += truth.turns.length;
    tally.trueEnds += truth.turns.filter((t) => t.scored).length;
    tally.turnMs += turnTimeMs(truth);
    const events = call.events.filter((e) => 'channel' in e.event && e.event.channel === truth.channel);
    tallyEager(call, truth, events, toleranceMs, tally);
    tallyEnds(call, truth, events, toleranceMs, tally);
    const heard = heardSpans(events);
    tally.unheardEnds += truth.turns.filter((t) => t.scored && !heard.some((h) => h.startMs <= t.endMs && h.endMs >= t.startMs)).length;
  }
  return tally;
}

/**
 * Where the server heard speech on one channel: each of its turns, from `speech.started` (or
 * its first end, if the start was not seen) to its last `speech_end_ms` (open: to the end).
 */
function heardSpans(events: readonly TimedEvent[]): Array<{ startMs: number; endMs: number }> {
  const spans = new Map<number, { startMs: number; endMs: number }>();
  for (const { event } of events) {
    if (event.type === 'speech.started') {
      spans.set(event.turn_id, { startMs: event.at_ms, endMs: Number.POSITIVE_INFINITY });
    } else if (event.type === 'turn.eager_end' || event.type === 'turn.end') {
      const span = spans.get(event.turn_id);
      if (span === undefined) spans.set(event.turn_id, { startMs: event.speech_end_ms, endMs: event.speech_end_ms });
      else span.endMs = span.endMs === Number.POSITIVE_INFINITY ? event.speech_end_ms : Math.max(span.endMs, event.speech_end_ms);
    }
  }
  return [...spans.values()];
}

function tallyEager(call: ScoredCall, truth: ChannelTruth, events: TimedEvent[], toleranceMs: number, into: TurnTally): void {
  const eagers: Array<{ event: Of<'turn.eager_end'>; at: number; resumed: boolean }> = [];
  for (const e of events) {
    if (e.event.type === 'turn.eager_end') eagers.push({ event: e.event, at: e.at, resumed: false });
    const last = eagers.at(-1);
    if (e.event.type === 'turn.resumed' && last && last.event.turn_id === e.event.turn_id) last.resumed = true;
  }
  const timed = new Set<TrueTurn>();
  for (const eager of eagers) {
    into.eagerEnds++;
    const place = placeSpeechEnd(truth, eager.event.speech_end_ms, toleranceMs);
    if (eager.resumed || place.kind === 'inside') {
      into.falseEagerEnds++;
    } else if (place.kind === 'end' && place.turn.scored && !timed.has(place.turn)) {
      timed.add(place.turn);
      into.eagerLatencyMs.push(eager.at - sentTimeAt(call, place.turn.endMs));
      into.serverEagerLatencyMs.push(eager.event.latency_ms);
    }
  }
}

function tallyEnds(call: ScoredCall, truth: ChannelTruth, events: TimedEvent[], toleranceMs: number, into: TurnTally): void {
  const found = new Set<TrueTurn>();
  for (const { event, at } of events) {
    if (event.type !== 'turn.end') continue;
    into.endReasons[event.reason] = (into.endReasons[event.reason] ?? 0) + 1;
    if (FORCED_REASONS.has(event.reason)) {
      into.forcedEnds++;
      continue;
    }
    const place = placeSpeechEnd(truth, event.speech_end_ms, toleranceMs);
    if (place.kind === 'inside') {
      into.cutOffs++;
    } else if (place.kind === 'end' && place.turn.scored && !found.has(place.turn)) {
      if (audioSentBy(call, at) > place.turn.nextSpeechMs) {
        into.lateEnds++;
        continue;
      }
      found.add(place.turn);
      into.endsFound++;
      into.finalLatencyMs.push(at - sentTimeAt(call, place.turn.endMs));
      into.serverFinalLatencyMs.push(event.latency_ms);
      into.speechEndOffsetMs.push(event.speech_end_ms - place.turn.endMs);
    } else {
      into.otherEnds++;
    }
  }
}

/** A tally as one table row: shares, rates per minute or per turn, latency percentiles (ms). */
export function summarizeTally(t: TurnTally) {
  const minutes = t.turnMs / 60_000;
  const ms = (values: number[], p: number) => (values.length === 0 ? null : Math.round(percentile(values, p)));
  return {
    true_turns: t.trueTurns,
    true_ends: t.trueEnds,
    ends_found: t.endsFound,
    found_pct: t.trueEnds === 0 ? null : +((100 * t.endsFound) / t.trueEnds).toFixed(1),
    cut_offs: t.cutOffs,
    cut_offs_per_min: minutes === 0 ? null : +(t.cutOffs / minutes).toFixed(2),
    false_eager: t.falseEagerEnds,
    false_eager_per_turn: t.trueTurns === 0 ? null : +(t.falseEagerEnds / t.trueTurns).toFixed(2),
    eager_p50_ms: ms(t.eagerLatencyMs, 50),
    eager_p95_ms: ms(t.eagerLatencyMs, 95),
    final_p50_ms: ms(t.finalLatencyMs, 50),
    final_p95_ms: ms(t.finalLatencyMs, 95),
    server_eager_p50_ms: ms(t.serverEagerLatencyMs, 50),
    server_eager_p95_ms: ms(t.serverEagerLatencyMs, 95),
    server_final_p50_ms: ms(t.serverFinalLatencyMs, 50),
    server_final_p95_ms: ms(t.serverFinalLatencyMs, 95),
    speech_end_offset_p50_ms: ms(t.speechEndOffsetMs, 50),
    turn_min: +minutes.toFixed(2),
    late_ends: t.lateEnds,
    unheard_ends: t.unheardEnds,
    other_ends: t.otherEnds,
    forced_ends: t.forcedEnds,
    eager_ends: t.eagerEnds,
  };
}

export type TurnScore = ReturnType<typeof summarizeTally>;
