import { WebSocket } from 'ws';
import { sendPaced } from './paced-audio.js';
import { errorCodes, openPeer, pause, type Visit, type VisitOutcome } from './visit.js';

const MAX_STREAM_MS = 240_000;
const MIN_STREAM_MS = 10_000;
/** Time, once reading again, for the events the server queued to arrive. */
const READ_BACK_MS = 1000;

/**
 * Starts a session and streams speech at real time but never reads: its socket is paused, so
 * the server's events pile up in the server's send buffers. At the end it reads what it can
 * (an error the server sent, e.g. a slow-consumer one) and drops the connection.
 */
export async function slowReader(visit: Visit): Promise<VisitOutcome> {
  const peer = await openPeer(visit.wsUrl);
  peer.send({ type: 'start' });
  peer.ws.pause();
  const ms = Math.max(MIN_STREAM_MS, Math.min(MAX_STREAM_MS, visit.loadEndsAt - performance.now()));
  await sendPaced(visit.speech.continuous(ms), (chunk) => peer.send(chunk), {
    speed: 1,
    keepGoing: () => peer.ws.readyState === WebSocket.OPEN,
    signal: visit.signal,
  });
  const cutOff = peer.ws.readyState !== WebSocket.OPEN;
  peer.ws.resume();
  await pause(READ_BACK_MS, visit.signal);
  peer.ws.terminate();
  const code = await peer.closed;
  return { errors: errorCodes(peer), ends: [cutOff ? `server closed (ws ${code})` : 'dropped'] };
}
