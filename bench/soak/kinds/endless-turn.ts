import { WebSocket } from 'ws';
import { sendPaced } from './paced-audio.js';
import { errorCodes, openPeer, peerEnd, turnEndCount, type Visit, type VisitOutcome } from './visit.js';

const MAX_TURN_MS = 180_000;
const MIN_TURN_MS = 10_000;
/** Ends before the load does, so the soak sees how the server closes such a turn. */
const BEFORE_LOAD_END_MS = 20_000;
const STOP_WAIT_MS = 30_000;

/** One turn of speech with no pause in it for minutes, at real time, then `stop`. */
export async function endlessTurn(visit: Visit): Promise<VisitOutcome> {
  const peer = await openPeer(visit.wsUrl);
  peer.send({ type: 'start' });
  const ms = Math.max(MIN_TURN_MS, Math.min(MAX_TURN_MS, visit.loadEndsAt - BEFORE_LOAD_END_MS - performance.now()));
  await sendPaced(visit.speech.continuous(ms), (chunk) => peer.send(chunk), {
    speed: 1,
    keepGoing: () => peer.ws.readyState === WebSocket.OPEN,
    signal: visit.signal,
  });
  if (peer.ws.readyState === WebSocket.OPEN && !visit.signal.aborted) peer.send({ type: 'stop' });
  const end = await peerEnd(peer, STOP_WAIT_MS, visit.signal);
  return { errors: errorCodes(peer), ends: [end], turnEnds: turnEndCount(peer) };
}
