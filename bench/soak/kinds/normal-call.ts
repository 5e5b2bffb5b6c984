import { openParleyCall } from '../../../clients/parley-call.js';
import type { ServerEvent } from '../../../proto/messages.js';
import type { SoakCall } from '../soak-speech.js';
import { sendPaced } from './paced-audio.js';
import type { SoakTarget, VisitOutcome } from './visit.js';

export type Transport = 'ws' | 'grpc';

/** Past the call's own length, how long a call may take before the client gives up on it. */
const CALL_SLACK_MS = 30_000;

/**
 * A well-behaved call: LibriVox turns at `speed` (1: real time), `stop`, then `session.ended`.
 * Counts the call served when `session.ended` arrives.
 */
export async function normalCall(target: SoakTarget, transport: Transport, call: SoakCall, speed: number): Promise<VisitOutcome> {
  const events: ServerEvent[] = [];
  // replay() cannot be cut off, so the soak drives the call itself.
  const client = openParleyCall(
    transport === 'grpc' ? { grpc: target.grpcAddress } : { url: target.wsUrl },
    { encoding: 'pcm_s16le', sample_rate: 16000, channels: 1 },
    (event) => events.push(event),
  );
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      client.close();
    },
    (speed > 0 ? call.ms / speed : 0) + CALL_SLACK_MS,
  );
  let served = 0;
  try {
    await client.started;
    await sendPaced(call.pcm, (chunk) => client.sendAudio(chunk), { speed, keepGoing: () => !timedOut });
    await client.stop();
    served = 1;
  } catch {
    // Refused, cut off or timed out: the close code and error events say which.
  } finally {
    clearTimeout(timer);
  }
  const end = await client.closed;
  const errors: string[] = events.flatMap((e) => (e.type === 'error' ? [e.code] : []));
  if (end.errorCode !== undefined && !errors.includes(end.errorCode)) errors.push(end.errorCode);
  return {
    errors,
    ends: [timedOut ? 'timeout' : end.label],
    served,
    turnEnds: events.filter((e) => e.type === 'turn.end').length,
    expectedTurns: call.turns,
  };
}
