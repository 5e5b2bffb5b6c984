import type { CallRecording } from './call-recording.js';

/**
 * Where the replay was in the audio at client wall time `at`: the inverse of `sentAtOf`, so
 * that when an event was received can be drawn on the audio's time axis beside the audio
 * times the server reports.
 *
 * WebRTC's server clock runs in real time from `serverClockStartedAt`, so it is the time since then.
 * Otherwise the audio message `k` (audio from k * chunkMs) was handed over at
 * `chunkSentAt[k]`; from then the position advances in real time, as a real-time replay
 * plays, but never past that message's end, since a faster replay has sent no more. So at
 * speed 1 this is the audio clock itself; at higher speeds it is the audio sent so far, to
 * within a message. Before the first message it is 0; null when nothing was sent.
 */
export function audioSentBy(recording: CallRecording, at: number): number | null {
  if (recording.serverClockStartedAt !== undefined) return Math.max(0, at - recording.serverClockStartedAt);
  const sent = recording.chunkSentAt;
  if (sent.length === 0) return null;
  const k = lastAtOrBefore(sent, at);
  if (k < 0) return 0;
  return k * recording.chunkMs + Math.min(recording.chunkMs, at - sent[k]!);
}

/** The last index whose time is at or before `at` (-1 if none); `times` never decrease. */
function lastAtOrBefore(times: readonly number[], at: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! <= at) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
