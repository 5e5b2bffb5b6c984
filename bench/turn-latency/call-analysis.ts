import { normalizeWords, wordErrorRate } from '../../clients/wer.js';
import type { ServerEvent } from '../../proto/messages.js';
import { sentTimeOf, sentTimeOfServerMs, type CallRecording } from './call-runner.js';

type Of<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

export interface PhaseFigures {
  calls: number;
  refused: number;
  truthTurns: number;
  /** Perceived turn latency (eager end), ms. */
  eager: number[];
  /** Final (turn.end) latency, ms. */
  final: number[];
  /** Per word: first appearance in a partial minus when its end was sent, ms. */
  partial: number[];
  /** Truth turns that no server turn with an eager end matched. */
  missedTurns: number;
  resumed: number;
  partialWords: number;
  flickeredWords: number;
  stableViolations: number;
  reference: string[];
  hypothesis: string[];
}

export function emptyFigures(): PhaseFigures {
  return {
    calls: 0, refused: 0, truthTurns: 0, eager: [], final: [], partial: [], missedTurns: 0,
    resumed: 0, partialWords: 0, flickeredWords: 0, stableViolations: 0, reference: [], hypothesis: [],
  };
}

/** Adds one call's measurements, each against the call's ground truth, to `into`. */
export function analyzeCall(recording: CallRecording, into: PhaseFigures): void {
  into.calls++;
  if (recording.refused) {
    into.refused++;
    return;
  }
  const timed = recording.events;
  const ofType = <T extends ServerEvent['type']>(type: T) =>
    timed.filter((t): t is { event: Of<T>; at: number } => t.event.type === type);
  const ends = ofType('turn.end');
  const eagers = ofType('turn.eager_end');
  into.resumed += ofType('turn.resumed').length;

  for (const truth of recording.call.turns) {
    into.truthTurns++;
    into.reference.push(truth.transcript);
    const eosSent = sentTimeOf(recording, truth.endMs);
    // The server turn that ends nearest this utterance's true end (on the call's audio clock).
    const end = nearest(ends, (e) => e.event.speech_end_ms - recording.serverLeadMs, truth.endMs, truth.startMs);
    const eager = end ? eagers.filter((e) => e.event.turn_id === end.event.turn_id).at(-1) : undefined;
    // An eager end before the true end that speech never resumed after counts, as a negative latency.
    if (!end || !eager) {
      into.missedTurns++;
      continue;
    }
    into.eager.push(eager.at - eosSent);
    into.final.push(end.at - eosSent);
  }
  for (const end of ends) {
    const corrected = ofType('transcript.corrected').filter((c) => c.event.turn_id === end.event.turn_id).at(-1);
    into.hypothesis.push(corrected ? corrected.event.text : end.event.text);
  }
  analyzePartials(recording, ofType('transcript.partial'), into);
}

function analyzePartials(recording: CallRecording, partials: Array<{ event: Of<'transcript.partial'>; at: number }>, into: PhaseFigures): void {
  const byTurn = new Map<number, typeof partials>();
  for (const p of partials) byTurn.set(p.event.turn_id, [...(byTurn.get(p.event.turn_id) ?? []), p]);
  for (const turn of byTurn.values()) {
    const seen = new Set<string>();
    turn.forEach((p, k) => {
      const words = p.event.words;
      words.forEach((w, i) => {
        into.partialWords++;
        const later = turn.slice(k + 1);
        if (later.some((q) => q.event.words[i]?.word !== w.word)) {
          into.flickeredWords++;
          if (i < p.event.stable_words) into.stableViolations++;
        }
        const id = `${i}:${w.word}`;
        if (!seen.has(id)) {
          seen.add(id);
          into.partial.push(p.at - sentTimeOfServerMs(recording, w.end_ms));
        }
      });
    });
  }
}

function nearest<T>(items: T[], key: (item: T) => number, target: number, notBefore: number): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    const k = key(item);
    if (k < notBefore) continue;
    if (!best || Math.abs(k - target) < Math.abs(key(best) - target)) best = item;
  }
  return best;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function phaseWer(figures: PhaseFigures): number {
  return wordErrorRate(figures.reference.join(' '), figures.hypothesis.join(' '));
}

export function wordsIn(texts: string[]): number {
  return normalizeWords(texts.join(' ')).length;
}
