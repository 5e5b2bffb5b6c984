import type { CallDifference, CallReport } from './qa-report.js';
import { alignWords } from './word-alignment.js';

/**
 * What differs between the primary's and the shadow's run of each call, in the primary's order.
 * Deltas are shadow minus primary: positive means the shadow (the canary) is worse. A call only
 * one side finished (an interrupted run) has no difference.
 */
export function shadowDifferences(primary: readonly CallReport[], shadow: readonly CallReport[]): CallDifference[] {
  const shadowById = new Map(shadow.map((call) => [call.id, call]));
  return primary.flatMap((call) => {
    const other = shadowById.get(call.id);
    return other ? [callDifference(call, other)] : [];
  });
}

/**
 * One call: per channel, the shadow's final words aligned against the primary's (the primary
 * stands where a reference would), and how WER and the median latencies moved.
 */
export function callDifference(primary: CallReport, shadow: CallReport): CallDifference {
  const channels = [...new Set([...primary.channels, ...shadow.channels].map((c) => c.channel))].sort((a, b) => a - b);
  const hypothesisOf = (call: CallReport, channel: number): string => call.channels.find((c) => c.channel === channel)?.hypothesis ?? '';
  return {
    id: primary.id,
    words: channels.map((channel) => {
      const { alignment } = alignWords(hypothesisOf(primary, channel), hypothesisOf(shadow, channel));
      return { channel, alignment, differing: alignment.filter((step) => step.op !== 'match').length };
    }),
    wer_delta: delta(primary.wer?.wer, shadow.wer?.wer),
    final_p50_delta_ms: delta(primary.latency.final.p50, shadow.latency.final.p50),
    perceived_p50_delta_ms: delta(primary.latency.perceived.p50, shadow.latency.perceived.p50),
  };
}

function delta(primary: number | null | undefined, shadow: number | null | undefined): number | null {
  return primary === null || primary === undefined || shadow === null || shadow === undefined ? null : shadow - primary;
}
